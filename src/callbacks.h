// Reload callbacks: registered from any thread, run on the watcher thread.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "omega_config.h"

namespace omega {

class Callbacks {
 public:
  uint64_t add(omega_reload_fn fn, void* user_data, void (*destroy)(void*));
  // Unregisters token; waits for it to finish running unless called from
  // inside a callback; then destroys its user_data. False: unknown token.
  bool remove(uint64_t token);
  // Runs every callback once, in registration order (watcher thread only).
  void run_all(int64_t version, const std::vector<std::string>& changed, const omega_snapshot* snapshot);
  // At close: destroys what is still registered.
  void destroy_all();

 private:
  struct Registration {
    uint64_t token;
    omega_reload_fn fn;
    void* user_data;
    void (*destroy)(void*);
    bool removed = false;
    bool destroy_after_run = false;
  };
  static void destroy(const Registration& r) {
    if (r.destroy) r.destroy(r.user_data);
  }

  std::mutex mu_;
  std::condition_variable done_;
  std::vector<std::shared_ptr<Registration>> regs_;  // guarded by mu_
  uint64_t next_token_ = 1;                          // guarded by mu_
  uint64_t running_ = 0;                             // token now running, guarded by mu_
};

}  // namespace omega
