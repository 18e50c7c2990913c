// _core.Handle: one omega_cfg with its watcher thread.
//
// GIL rules: every call that can wait for the watcher thread (open, close,
// require, on_reload, off_reload, status) runs with the GIL released; the
// callback trampoline takes the GIL. A close requested on a watcher thread
// (from inside a reload callback, where the C library forbids it) is handed
// to a helper thread. close_all() runs from an atexit hook so no watcher is
// left waiting for the GIL while the interpreter shuts down.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "omega_config.h"

namespace omega_py {

class Snapshot;

// Mirrors omega_cfg_options; unset strings and zero numbers mean "default".
// omega_cfg_options with owned strings (see omega_config.h for each field).
struct OpenOptions {
  std::optional<std::string> redis_url, namespace_prefix, config_key, version_key, meta_key, channel,
      last_known_good_path, tls_ca_file, tls_ca_dir, tls_cert_file, tls_key_file, tls_server_name, seal_key_path,
      service_name;
  unsigned connect_timeout_ms = 0, command_timeout_ms = 0, poll_interval_ms = 0, heartbeat_ms = 0, reconnect_max_ms = 0;
  size_t max_snapshot_bytes = 0;
  bool tls_skip_verify = false;
};

class Handle {
 public:
  static std::unique_ptr<Handle> open(const OpenOptions& opts);
  ~Handle();
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  void close();
  bool closed() const;

  std::unique_ptr<Snapshot> snapshot() const;
  void require(const std::vector<std::string>& keys) const;
  uint64_t on_reload(pybind11::function fn) const;
  void off_reload(uint64_t token) const;
  pybind11::dict status() const;

  pybind11::object get(const std::string& key) const;
  pybind11::object get_int64(const std::string& key) const;
  pybind11::object get_double(const std::string& key) const;
  pybind11::object get_bool(const std::string& key) const;

  // The C handle and the lock that keeps it alive while a call uses it.
  // Shared with the registry so close_all() never touches a Handle object.
  struct Slot {
    std::shared_mutex mu;
    omega_cfg* cfg = nullptr;
    // Set when a close starts; a close from a watcher thread detaches later,
    // on a helper thread, so calls check this first and never take mu.
    std::atomic<bool> closing{false};
    // Steals the C handle (nullptr if already closed); the caller closes it.
    omega_cfg* detach();
  };

 private:
  explicit Handle(std::shared_ptr<Slot> slot) : slot_(std::move(slot)) {}
  // Runs f(cfg) under the shared lock; throws if the handle is closed.
  template <class F>
  auto with_cfg(F&& f) const;

  std::shared_ptr<Slot> slot_;
};

// Closes every handle still open; waits for closes handed to helper threads.
void close_all();
// Keeps the handle registry usable in a child of fork() (called once, at import).
void install_fork_handlers();

void register_handle(pybind11::module_& m);

}  // namespace omega_py
