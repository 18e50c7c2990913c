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

// The hot path touches only trivial thread_locals: one with a destructor
// would cost a guard check per read. SlotsOwner frees the slots (dropping
// their snapshot references) when the thread exits, and marks them gone so
// that reads made after that (from atexit handlers, say) still work.
// (No initial-exec TLS model: it would make the library fail to dlopen, as
// Python and plugin hosts do, once glibc's static TLS reserve is used up.)
thread_local LocalSlots* tls_slots = nullptr;
thread_local bool tls_slots_gone = false;

struct SlotsOwner {
  std::unique_ptr<LocalSlots> slots = std::make_unique<LocalSlots>();
  ~SlotsOwner() {
    tls_slots = nullptr;
    tls_slots_gone = true;
  }
};

LocalSlots* make_local_slots() {
  thread_local SlotsOwner owner;
  tls_slots = owner.slots.get();
  return tls_slots;
}

}  // namespace

Cache::Cache(std::shared_ptr<const Snapshot> initial) : id_(next_cache_id.fetch_add(1)), current_(std::move(initial)) {}

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

LocalRef Cache::local() const {
  LocalRef ref;
  LocalSlots* slots = tls_slots;
  if (slots == nullptr) {
    if (tls_slots_gone) {
      ref.hold_ = load();
      ref.snapshot_ = ref.hold_.get();
      return ref;
    }
    slots = make_local_slots();
  }
  uint64_t generation = generation_.load(std::memory_order_acquire);
  LocalSlot* slot = nullptr;
  for (LocalSlot& s : slots->slot) {
    if (s.cache_id == id_) {
      slot = &s;
      break;
    }
  }
  if (slot == nullptr) {
    slot = &slots->slot[slots->victim++ % kSlots];
    slot->cache_id = id_;
    slot->generation = 0;  // never a live generation: forces the load below
  }
  if (slot->generation != generation) {
    slot->snapshot = load();
    slot->generation = generation;
  }
  ref.snapshot_ = slot->snapshot.get();
  return ref;
}

}  // namespace omega
