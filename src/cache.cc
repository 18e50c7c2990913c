#include "cache.h"

namespace omega {
namespace {

std::atomic<uint64_t> next_cache_id{1};

// A thread's references, one slot per cache it reads recently. Several
// handles per process are rare; four slots keep the common case one compare.
struct LocalSlot {
  uint64_t cache_id = 0;
  uint64_t generation = 0;
  std::shared_ptr<const Snapshot> snapshot;
};
constexpr int kSlots = 4;
struct LocalSlots {
  LocalSlot slot[kSlots];
  unsigned victim = 0;
};

// The hot path touches only a trivial pointer: a thread_local with a
// destructor would cost a guard check per read. The owner below frees the
// slots (and drops their snapshot references) when the thread exits.
__attribute__((tls_model("initial-exec"))) thread_local LocalSlots* tls_slots = nullptr;

LocalSlots& make_local_slots() {
  thread_local std::unique_ptr<LocalSlots> owner;
  owner = std::make_unique<LocalSlots>();
  tls_slots = owner.get();
  return *owner;
}

}  // namespace

Cache::Cache(std::shared_ptr<const Snapshot> initial)
    : id_(next_cache_id.fetch_add(1)), current_(std::move(initial)) {}

void Cache::publish(std::shared_ptr<const Snapshot> s) {
  std::shared_ptr<const Snapshot> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = std::move(current_);
    current_ = std::move(s);
    generation_.fetch_add(1, std::memory_order_release);
  }
  // `old` is freed here, outside the lock, unless a reader still holds it.
}

std::shared_ptr<const Snapshot> Cache::load() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

const Snapshot& Cache::local() const {
  uint64_t generation = generation_.load(std::memory_order_acquire);
  LocalSlots& slots = tls_slots ? *tls_slots : make_local_slots();
  for (LocalSlot& slot : slots.slot) {
    if (slot.cache_id != id_) continue;
    if (slot.generation != generation) {
      slot.snapshot = load();
      slot.generation = generation;
    }
    return *slot.snapshot;
  }
  LocalSlot& slot = slots.slot[slots.victim++ % kSlots];
  slot.cache_id = id_;
  slot.generation = generation;
  slot.snapshot = load();
  return *slot.snapshot;
}

}  // namespace omega
