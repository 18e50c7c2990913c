// The reconcile loop (see reconciler.h).
#include "writer/reconciler.h"

#include <chrono>

#include "writer/writer.h"

namespace omega::settingsd {

void Reconciler::start() {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      if (cv_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [this] { return stopping_; })) break;
      lock.unlock();
      writer_->reconcile();
      writer_->run_due_reverts();  // temporary changes whose time has come
      if (after_pass_) after_pass_();
      lock.lock();
    }
  });
}

void Reconciler::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace omega::settingsd
