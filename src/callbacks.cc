#include "callbacks.h"

#include <algorithm>

namespace omega {
namespace {
// True while this thread runs a reload callback of *any* handle: such a thread
// must never wait for a callback to finish (two handles' callbacks
// unregistering each other would wait for each other forever).
thread_local bool tls_in_callback = false;
}  // namespace

uint64_t Callbacks::add(Fn fn, std::function<void()> release) {
  std::lock_guard<std::mutex> lock(mu_);
  auto r = std::make_shared<Registration>(Registration{next_token_++, std::move(fn), std::move(release)});
  regs_.push_back(r);
  return r->token;
}

bool Callbacks::remove(uint64_t token) {
  std::shared_ptr<Registration> r;
  {
    std::unique_lock<std::mutex> lock(mu_);
    auto it = std::find_if(regs_.begin(), regs_.end(), [&](const auto& x) { return x->token == token; });
    if (it == regs_.end()) return false;
    r = *it;
    regs_.erase(it);
    r->removed = true;
    if (tls_in_callback) {
      // Inside a callback we never wait. If the one removed is running (this
      // very callback, or another handle's), its run_all releases it after.
      if (running_ == token) {
        r->release_after_run = true;
        return true;
      }
    } else {
      done_.wait(lock, [&] { return running_ != token; });
    }
  }
  release(*r);
  return true;
}

void Callbacks::run_all(const ReloadEvent& event) {
  std::vector<std::shared_ptr<Registration>> regs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    regs = regs_;
  }
  for (const auto& r : regs) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (r->removed) continue;
      running_ = r->token;
    }
    tls_in_callback = true;
    try {
      r->fn(event);
    } catch (...) {
      // A C++ callback that throws must not take the watcher down with it.
    }
    tls_in_callback = false;
    bool release_now;
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_ = 0;
      release_now = r->release_after_run;
    }
    done_.notify_all();
    if (release_now) release(*r);
  }
}

void Callbacks::destroy_all() {
  std::vector<std::shared_ptr<Registration>> regs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    regs.swap(regs_);
  }
  for (const auto& r : regs) release(*r);
}

}  // namespace omega
