// The single writer's state: the current .env, its validated snapshot and version, and the
// operations on them. One lock serializes every operation, so a mutation, a reload and the
// reconciler never interleave. Three files, one job each:
//   writer.cc    loading, the state and the read views
//   mutation.cc  the one mutation pipeline that patch, reload and rollback share
//   seeding.cc   boot seeding and reconciliation with what Redis holds
//   queries.cc   what the durable history answers: diff and blame
//   reverts.cc   temporary changes: scheduling and firing their reverts
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/schema.h"
#include "model/validated_env.h"
#include "service/metrics.h"
#include "store/audit_log.h"
#include "store/history.h"
#include "store/publisher.h"
#include "store/revert_schedule.h"
#include "store/snapshot_sealer.h"
#include "store/version_mark.h"
#include "writer/external_validator.h"
#include "writer/requests.h"

namespace omega::settingsd {

class Writer {
 public:
  // Where the writer keeps and sends what it does.
  struct Stores {
    Publisher* publisher;
    AuditLog* audit;
    History* history;
    Metrics* metrics;
    RevertSchedule* reverts;
    SnapshotSealer* sealer;  // nullptr: secrets go to Redis in clear
  };

  // env_path is read and replaced (a resolved path: never a symlink); the version mark lives
  // at mark_base + ".version". forbidden: keys no patch may set. validator (--validate-with,
  // may be null): asked about every candidate before anything is written.
  Writer(std::string env_path, const std::string& mark_base, Schema schema, Stores stores,
         std::set<std::string> forbidden, const ExternalValidator* validator = nullptr);

  // Reads and validates the .env, loads the version mark, drops history entries and scheduled
  // reverts that never committed. False + every problem.
  bool load(std::vector<std::string>* problems);
  // Called (under the writer's lock, after the view is installed) whenever the current version
  // changes: long polls wake up. Set before serving.
  void on_new_version(std::function<void()> callback) { on_new_version_ = std::move(callback); }
  // Seeds Redis (event "boot"). Redis being down is not fatal: the reconciler retries. False
  // (nothing published, *refusal says why and the fix) when Redis holds secrets sealed with a key
  // this writer cannot open, or sealed while this writer has no seal key (it would republish
  // them in clear).
  bool boot(std::string* refusal);
  // Compares Redis with the .env and republishes when it is empty or differs, except over a
  // different snapshot at a version above ours (another writer): that is only reported.
  void reconcile();
  // True once Redis has held this writer's snapshot (a boot or reconcile published or adopted
  // it): what systemd's READY=1 waits for.
  bool seeded() const { return seeded_; }

  // A temporary change still waiting for its revert: the keys that still hold its values.
  struct PendingView {
    uint64_t version = 0;
    std::vector<std::string> keys;
    int64_t revert_at_ms = 0;
  };
  // The current settings with secrets masked, one immutable view per version (and per change
  // of the pending reverts).
  struct ConfigView {
    uint64_t version = 0;
    std::string masked_json;  // the snapshot object
    std::vector<PendingView> pending_reverts;
  };
  std::shared_ptr<const ConfigView> config() const;
  uint64_t version() const;
  const Schema& schema() const { return schema_; }

  // --min-replicas: acknowledge a mutation only once n replicas hold it (WAIT, at most timeout).
  void require_replicas(int n, std::chrono::milliseconds timeout) {
    min_replicas_ = n;
    min_replicas_timeout_ = timeout;
  }

  MutationOutcome patch(const PatchRequest& request);
  MutationOutcome reload(const ReloadRequest& request);
  MutationOutcome rollback(const RollbackRequest& request);
  // Fires the reverts that are due (the reconciler thread calls it every interval; at start it
  // fires those that became due while the daemon was down).
  void run_due_reverts();

  // queries.cc: from the durable history.
  DiffOutcome diff(uint64_t from, std::optional<uint64_t> to) const;
  struct BlameLine {
    uint64_t version = 0;
    std::string event, actor, written_at, comment;
  };
  // For each key of the current settings, the newest history entry that changed it (keys no
  // entry kept in the history changed are absent).
  std::map<std::string, BlameLine> blame() const;

 private:
  // One change to apply as a new version (mutation.cc).
  struct Mutation {
    Mutation(const char* action_, const char* event_, const Actor& actor_, Preconditions pre_,
             std::map<std::string, std::optional<std::string>> updates_, bool from_disk_)
        : action(action_),
          event(event_),
          actor(actor_),
          pre(pre_),
          updates(std::move(updates_)),
          from_disk(from_disk_) {}
    const char* action;  // patch | reload | rollback: audit action, failpoint prefix, logs
    const char* event;   // updated | reload | rollback: the channel message
    const Actor& actor;
    Preconditions pre;
    // The new .env: these updates applied to the current one (nullopt unsets)...
    std::map<std::string, std::optional<std::string>> updates;
    // ... or the file on disk as it is now (reload), republished even when unchanged.
    bool from_disk = false;
    std::string comment;                    // history and audit
    bool dry_run = false;                   // stop after validation: say what would change
    std::optional<int64_t> revert_after_s;  // schedule a revert of the changed keys
    const char* history_event = nullptr;    // the history's event when it is not `event`
  };
  // What a mutation makes durable besides the .env (mutation.cc): its history line and, for
  // a temporary change, the schedule with its revert.
  struct Durables {
    bool record = false;
    HistoryEntry entry;
    History::Pending pending;
    std::optional<std::vector<PendingRevert>> schedule;
  };
  MutationOutcome run_locked(const Mutation& m);
  std::optional<MutationOutcome> check_preconditions_locked(const Preconditions& pre) const;
  bool build_candidate_locked(const Mutation& m, ValidatedEnv* next, MutationOutcome* refusal) const;
  void record_audit_and_prepare_locked(const Mutation& m, const AuditRecord& rec, const ValidatedEnv& next, bool bump,
                                       Durables* durables, std::string* tmp, MutationOutcome* out);
  void abort_audited_locked(const AuditRecord& rec, const std::string& why);
  void undo_durables_locked(const Durables& d);
  MutationOutcome dry_run_locked(const ValidatedEnv& next) const;
  bool is_secret_now(const std::string& key) const;

  // seeding.cc
  void resync_locked(const char* event, bool force);
  // The publication of plain snapshot bytes: secrets sealed when sealing is on.
  Publication publication_locked(const std::string& plain, uint64_t version, uint64_t prev_version,
                                 const std::string& epoch, const char* event, std::vector<std::string> changed);
  // What Redis holds in clear (opened when sealed); nullopt when it holds nothing or what it
  // holds cannot be opened.
  std::optional<std::string> redis_in_clear_locked(const RedisState& rs) const;
  // Why boot must not publish over what Redis holds ("" when it may): see boot().
  std::string seal_refusal_locked(const RedisState& rs) const;
  bool publish_locked(const Publication& p);
  PublishStatus commit_locked(const Publication& p, int64_t* subscribers = nullptr);
  // Records (and logs once) that Redis holds foreign_version from another writer; 0 clears.
  void set_conflict_locked(uint64_t foreign_version);

  // writer.cc
  void adopt_locked(ValidatedEnv next, uint64_t version);
  void install_view_locked();
  // A seeding's history entry: changed relative to the newest entry the history holds.
  void record_history_locked(const char* event, const std::string& actor);
  HistoryEntry history_entry_locked(const ValidatedEnv& env, uint64_t version, const char* event,
                                    const std::string& actor, const std::vector<std::string>& changed,
                                    const std::string& comment) const;

  // reverts.cc
  // The schedule with a revert of this temporary change added (restore values chained from
  // an earlier temporary change of the same key that is still in force).
  std::vector<PendingRevert> schedule_with_locked(const ValidatedEnv& next, uint64_t version,
                                                  const std::vector<std::string>& changed, const std::string& actor,
                                                  int64_t revert_at_ms) const;
  std::vector<PendingView> pending_view_locked() const;
  bool fire_revert_locked(const PendingRevert& r);
  void drop_reverts_above_locked(uint64_t version);

  std::string env_path_;
  Schema schema_;
  Stores stores_;
  std::set<std::string> forbidden_;
  const ExternalValidator* validator_;
  VersionMark mark_;

  int min_replicas_ = 0;
  std::chrono::milliseconds min_replicas_timeout_{1000};

  mutable std::mutex mu_;
  ValidatedEnv current_;            // guarded by mu_
  uint64_t version_ = 0;            // last version published or adopted (also the mark), mu_
  std::string epoch_;               // mu_
  uint64_t contested_version_ = 0;  // our EXEC lost to another writer at this version, mu_
  uint64_t reported_conflict_ = 0;  // foreign version last reported (0: none), mu_

  std::atomic<bool> seeded_{false};  // set under mu_ when a publication or adoption succeeds
  mutable std::mutex view_mu_;
  std::shared_ptr<const ConfigView> view_;  // guarded by view_mu_
  std::function<void()> on_new_version_;
  std::map<uint64_t, std::string> revert_errors_;  // a failing revert is logged once per reason, mu_
};

}  // namespace omega::settingsd
