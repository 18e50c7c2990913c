// Background thread that calls Writer::reconcile() every interval, so Redis that restarted
// empty, or was changed behind the writer's back, gets the .env's snapshot back within
// seconds (a new version; a new epoch when the data was lost); and then
// Writer::run_due_reverts(), so a temporary change is reverted within one interval of its time.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace omega::settingsd {

class Writer;

class Reconciler {
 public:
  // after_pass runs on the reconcile thread after each pass (main: tell systemd once seeded).
  Reconciler(Writer* writer, int interval_ms, std::function<void()> after_pass = {})
      : writer_(writer), interval_ms_(interval_ms), after_pass_(std::move(after_pass)) {}
  ~Reconciler() { stop(); }
  void start();
  void stop();

 private:
  Writer* writer_;
  int interval_ms_;
  std::function<void()> after_pass_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace omega::settingsd
