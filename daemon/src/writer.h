// The single writer's state machine: the current .env + validated snapshot + version, and the
// three mutations (patch, reload, rollback) plus boot-time seeding and reconciliation.
//
// Every mutation runs under one lock, in this order, so a crash at any step leaves either the
// whole old or the whole new .env and a restart that converges:
//   parse + validate (no side effects) -> re-read the .env (409 if hand-edited since) ->
//   WATCH Redis (503 if down, or if it holds a version above ours: another writer) -> audit record
//   (refuse 503 if it cannot be synced) -> version mark file -> .env (temp, fsync, rename,
//   dir fsync) -> MULTI/EXEC publish -> in-memory state, history, metrics.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "audit.h"
#include "env_file.h"
#include "history.h"
#include "http_types.h"
#include "json_util.h"
#include "metrics.h"
#include "publisher.h"
#include "schema.h"
#include "version_store.h"

namespace omega::settingsd {

struct Actor {
  std::string name;
  std::string request_id;
  std::string source;
};

// One problem with a .env: the setting's key ("" for the file or a line) and a message.
struct EnvProblem {
  std::string key;
  std::string message;
};

// Loads the .env and validates it. Returns false with every problem (line numbers for
// syntax, key names for schema errors; never values) in *problems.
bool load_env(const Schema &schema, const std::string &env_path, std::string *text, EnvFile *env,
              JsonPtr *typed, std::vector<EnvProblem> *problems);
// The same, each problem flattened to "KEY: message" (for startup and --check).
bool load_env(const Schema &schema, const std::string &env_path, std::string *text, EnvFile *env,
              JsonPtr *typed, std::vector<std::string> *problems);

class Writer {
 public:
  // `env_path` is read and replaced (a resolved path: never a symlink); the version mark
  // lives at `mark_base` + ".version".
  Writer(std::string env_path, const std::string &mark_base, Schema schema, Publisher *publisher, AuditLog *audit,
         History *history, Metrics *metrics, std::set<std::string> forbidden_keys);

  // Reads and validates the .env, loads the version mark. False + problems.
  bool load(std::vector<std::string> *problems);
  // Seeds Redis (event "boot"). Redis being down is not fatal: the reconciler retries.
  void boot();
  // Compares Redis with the .env and republishes when it is empty or differs, except over a
  // different snapshot at a version above ours (another writer): that is only reported.
  void reconcile();

  HttpResponse get_config(const std::string &if_none_match) const;
  HttpResponse history(size_t limit) const;
  HttpResponse patch(const std::string &body, const std::string &if_match, const Actor &actor);
  HttpResponse reload(const Actor &actor);
  HttpResponse rollback(const std::string &body, const std::string &if_match, const Actor &actor);

  uint64_t version() const;

 private:
  struct State {
    std::string env_text;
    EnvFile env;
    JsonPtr typed;           // validated snapshot object
    std::string snapshot;    // its exact JSON bytes (what goes to omega:config)
    uint64_t version = 0;    // last version published (or adopted) — also the mark on disk
    std::string epoch;
  };
  struct View {
    uint64_t version;
    std::string body;  // {"version":"N","config":{masked}}
  };

  // Applies `updates` (nullopt = unset) as one new version. Caller holds mu_.
  HttpResponse apply_locked(const std::map<std::string, std::optional<std::string>> &updates, const char *event,
                            const char *action, const std::string &if_match, const cJSON *expected_version,
                            const Actor &actor);
  // Republishes state_ to Redis when Redis differs (or always when force). Caller holds mu_.
  void resync_locked(const char *event, bool force);
  bool publish_locked(const Publication &p);
  // MULTI/EXEC of a prepared publication, timed into the metrics; notes a conflict.
  PublishStatus commit_locked(const Publication &p);
  // Makes a written .env the daemon's state and view.
  void adopt_locked(EnvFile env, std::string env_text, JsonPtr typed, std::string snapshot, uint64_t version);
  void install_view_locked();
  void record_history_locked(const char *event, const std::string &actor, const std::vector<std::string> &changed);
  std::string masked_config_json(const cJSON *typed) const;
  HttpResponse check_preconditions(const char *action, const std::string &if_match,
                                   const cJSON *expected_version) const;
  HttpResponse write_conflict_error() const;
  // Records (and logs once) that Redis holds `foreign_version` from another writer; 0 clears.
  void set_conflict_locked(uint64_t foreign_version);

  std::string env_path_;
  Schema schema_;
  Publisher *publisher_;
  AuditLog *audit_;
  History *history_;
  Metrics *metrics_;
  std::set<std::string> forbidden_;
  VersionStore marks_;

  mutable std::mutex mu_;
  State state_;
  uint64_t contested_version_ = 0;  // our EXEC lost to another writer at this version
  uint64_t reported_conflict_ = 0;  // foreign version last reported (0: none)
  mutable std::mutex view_mu_;
  std::shared_ptr<const View> view_;
};

// Keys whose typed values differ between two snapshot objects (added, removed or modified),
// sorted.
std::vector<std::string> changed_keys(const cJSON *before, const cJSON *after);

}  // namespace omega::settingsd
