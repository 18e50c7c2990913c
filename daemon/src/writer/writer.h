// The single writer's state: the current .env, its validated snapshot and version, and the
// operations on them. One lock serializes every operation, so a mutation, a reload and the
// reconciler never interleave. Three files, one job each:
//   writer.cc    loading, the state and the read views
//   mutation.cc  the one mutation pipeline that patch, reload and rollback share
//   seeding.cc   boot seeding and reconciliation with what Redis holds
#pragma once

#include <chrono>
#include <cstdint>
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
#include "store/version_mark.h"
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
  };

  // env_path is read and replaced (a resolved path: never a symlink); the version mark lives
  // at mark_base + ".version". forbidden: keys no patch may set.
  Writer(std::string env_path, const std::string& mark_base, Schema schema, Stores stores,
         std::set<std::string> forbidden);

  // Reads and validates the .env, loads the version mark. False + every problem.
  bool load(std::vector<std::string>* problems);
  // Seeds Redis (event "boot"). Redis being down is not fatal: the reconciler retries.
  void boot();
  // Compares Redis with the .env and republishes when it is empty or differs, except over a
  // different snapshot at a version above ours (another writer): that is only reported.
  void reconcile();

  // The current settings with secrets masked, one immutable view per version.
  struct ConfigView {
    uint64_t version = 0;
    std::string masked_json;  // the snapshot object
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

 private:
  // One change to apply as a new version (mutation.cc).
  struct Mutation {
    const char* action;  // patch | reload | rollback: audit action, failpoint prefix, logs
    const char* event;   // updated | reload | rollback: the channel message
    const Actor& actor;
    Preconditions pre;
    // The new .env: these updates applied to the current one (nullopt unsets)...
    std::map<std::string, std::optional<std::string>> updates;
    // ... or the file on disk as it is now (reload), republished even when unchanged.
    bool from_disk = false;
  };
  MutationOutcome run_locked(const Mutation& m);
  std::optional<MutationOutcome> check_preconditions_locked(const Preconditions& pre) const;
  bool build_candidate_locked(const Mutation& m, ValidatedEnv* next, MutationOutcome* refusal) const;
  void record_audit_and_prepare_locked(const Mutation& m, const AuditRecord& rec, const ValidatedEnv& next, bool bump,
                                       std::string* tmp, MutationOutcome* out);
  void abort_audited_locked(const AuditRecord& rec, const std::string& why);

  // seeding.cc
  void resync_locked(const char* event, bool force);
  bool publish_locked(const Publication& p);
  PublishStatus commit_locked(const Publication& p);
  // Records (and logs once) that Redis holds foreign_version from another writer; 0 clears.
  void set_conflict_locked(uint64_t foreign_version);

  // writer.cc
  void adopt_locked(ValidatedEnv next, uint64_t version);
  void install_view_locked();
  void record_history_locked(const char* event, const std::string& actor, const std::vector<std::string>& changed);

  std::string env_path_;
  Schema schema_;
  Stores stores_;
  std::set<std::string> forbidden_;
  VersionMark mark_;

  int min_replicas_ = 0;
  std::chrono::milliseconds min_replicas_timeout_{1000};

  mutable std::mutex mu_;
  ValidatedEnv current_;            // guarded by mu_
  uint64_t version_ = 0;            // last version published or adopted (also the mark), mu_
  std::string epoch_;               // mu_
  uint64_t contested_version_ = 0;  // our EXEC lost to another writer at this version, mu_
  uint64_t reported_conflict_ = 0;  // foreign version last reported (0: none), mu_
  mutable std::mutex view_mu_;
  std::shared_ptr<const ConfigView> view_;  // guarded by view_mu_
};

}  // namespace omega::settingsd
