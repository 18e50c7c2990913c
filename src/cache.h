// The current snapshot, and the contention-free way readers get it.
//
// A shared std::atomic<std::shared_ptr> takes a lock per load (134 ns per
// read with two threads on this kind of machine). Instead each reader thread
// keeps its own reference to the snapshot and revalidates it against one
// atomic generation counter: while nothing changes, a read is one relaxed
// cache-line load shared read-only by all cores, and no reference counting.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "snapshot.h"

namespace omega {

// What a read reads from: normally the thread's own reference (no reference
// counting); once the thread's TLS is gone (atexit handlers, TLS-key
// destructors), a counted reference instead. Keep it for the whole read.
class LocalRef {
 public:
  const Snapshot& operator*() const { return *snapshot_; }
  const Snapshot* operator->() const { return snapshot_; }

 private:
  friend class Cache;
  const Snapshot* snapshot_ = nullptr;
  std::shared_ptr<const Snapshot> hold_;  // only when TLS is gone
};

class Cache {
 public:
  explicit Cache(std::shared_ptr<const Snapshot> initial);

  // Makes s the snapshot every reader sees from now on.
  void publish(std::shared_ptr<const Snapshot> s);
  // A counted reference (for pinning, and for the watcher).
  std::shared_ptr<const Snapshot> load() const;
  // The current snapshot for a read on this thread. The hot path: no lock,
  // no reference counting.
  LocalRef local() const;

  // fork_guard.cc: hold the lock across fork().
  void lock_for_fork() const { mu_.lock(); }
  void unlock_after_fork() const { mu_.unlock(); }

 private:
  const uint64_t id_;  // unique per cache for the life of the process
  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> current_;  // guarded by mu_
  std::atomic<uint64_t> generation_{1};
};

}  // namespace omega
