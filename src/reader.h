// The implementation behind omega_cfg: the cache readers see, the callbacks,
// the `require`d keys and the health status. Its Watcher (watcher.h) feeds it
// what Redis holds; offer() decides what gets installed.
#pragma once
#include <sys/types.h>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cache.h"
#include "callbacks.h"
#include "fetch.h"
#include "options.h"
#include "unsealer.h"

namespace omega {

class Watcher;

enum class ReaderState { kReady, kStale, kError };

// What omega_cfg_get_status reports (c_adapters.cc copies it into the C struct).
struct ReaderStatus {
  ReaderState state = ReaderState::kReady;
  int64_t version = 0;
  std::string epoch;
  int64_t ms_since_sync = -1;  // -1: never synced
  uint64_t reloads = 0;
  uint64_t rejected = 0;
  int last_error_code = 0;
  std::string last_error;
};

class Reader {
 public:
  explicit Reader(Options options);
  ~Reader();

  // Reads the seal key file if any (Error(OMEGA_E_INVALID_ARG) when it is
  // unusable), loads the last-known-good file if any, starts the watcher and
  // waits for its first sync attempt. Throws Error(OMEGA_E_UNAVAILABLE) when
  // that fails and there is no last-known-good snapshot.
  void open();
  // Stops the watcher (promptly, even if Redis hangs) and destroys callbacks.
  void close();

  const Options& options() const { return options_; }
  const Cache& cache() const { return cache_; }
  Callbacks& callbacks() { return callbacks_; }

  // Throws Error(OMEGA_E_MISSING_KEYS) naming every missing key; remembers them.
  void require(const std::vector<std::string>& keys);
  ReaderStatus status() const;

  // fork_guard.cc: hold every lock of this handle across fork().
  void lock_for_fork();
  void unlock_after_fork();

  // ---- called by the watcher thread ----
  // Installs p if it passes every check, then runs the callbacks.
  void offer(const Published& p);
  void on_connected();
  void on_synced();  // a probe confirmed we are current
  void on_disconnected(const std::string& why);
  void on_first_attempt(bool ok, const std::string& why);

 private:
  void reject(const Published& p, const std::string& why);
  void reject_locked(const Published& p, const std::string& why);  // needs mu_ held
  void note_error(int code, const std::string& message);           // needs mu_ held
  std::vector<std::string> missing_in(const Snapshot& s) const;    // needs mu_ held

  const Options options_;
  const pid_t owner_pid_;  // the process that opened the handle (fork_guard.h)
  Cache cache_;
  Callbacks callbacks_;
  Unsealer unsealer_;  // the watcher thread's (and open()'s, before the watcher starts)
  std::unique_ptr<Watcher> watcher_;

  mutable std::mutex mu_;
  std::condition_variable first_attempt_cv_;
  // All below guarded by mu_.
  std::vector<std::string> required_;
  bool first_attempt_done_ = false;
  bool first_attempt_ok_ = false;
  std::string first_attempt_error_;
  bool connected_ = false;
  bool from_lkg_ = false;             // serving the file, not yet confirmed by Redis
  bool redis_empty_ = false;          // Redis lost the snapshot we serve
  bool rejecting_ = false;            // the newest snapshot in Redis was rejected
  bool redis_behind_ = false;         // Redis holds an older version of our epoch
  std::string rejected_fingerprint_;  // what was last rejected, to judge it once
  std::string rejected_raw_;
  Clock::time_point last_sync_{};
  bool ever_synced_ = false;
  uint64_t reloads_ = 0;
  uint64_t rejected_ = 0;
  int last_error_code_ = 0;
  std::string last_error_;
};

}  // namespace omega
