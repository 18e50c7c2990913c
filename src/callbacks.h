// Reload callbacks: registered from any thread, run on the watcher thread, one at a time.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "snapshot.h"

namespace omega {

struct ReloadEvent {
  int64_t version;
  const std::vector<std::string>& changed;  // sorted
  const std::shared_ptr<const Snapshot>& snapshot;
};

class Callbacks {
 public:
  using Fn = std::function<void(const ReloadEvent&)>;

  // release (optional) runs exactly once: after remove(), or at destroy_all().
  uint64_t add(Fn fn, std::function<void()> release);
  // Unregisters token; waits for it to finish running unless called from inside a callback;
  // then runs its release. False: unknown token.
  bool remove(uint64_t token);
  // Runs every callback once, in registration order (watcher thread only).
  void run_all(const ReloadEvent& event);
  // At close: releases what is still registered.
  void destroy_all();

  // fork_guard.cc: hold the lock across fork().
  void lock_for_fork() { mu_.lock(); }
  void unlock_after_fork() { mu_.unlock(); }

 private:
  struct Registration {
    uint64_t token;
    Fn fn;
    std::function<void()> release;
    bool removed = false;
    bool release_after_run = false;
  };
  static void release(const Registration& r) {
    if (r.release) r.release();
  }

  std::mutex mu_;
  std::condition_variable done_;
  std::vector<std::shared_ptr<Registration>> regs_;  // guarded by mu_
  uint64_t next_token_ = 1;                          // guarded by mu_
  uint64_t running_ = 0;                             // token now running, guarded by mu_
};

}  // namespace omega
