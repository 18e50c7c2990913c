#include "core_handle.h"

#include <pybind11/stl.h>

#include <algorithm>

#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "core_callback.h"
#include "core_error.h"
#include "core_snapshot.h"

namespace py = pybind11;

namespace omega_py {

namespace {

// Every live Handle, for close_all(); and the closes running on helper threads.
std::mutex registry_mu;
std::set<std::shared_ptr<Handle::Slot>> registry;
std::condition_variable deferred_done;
int deferred_closes = 0;

// Closes the slot's C handle. Off the watcher thread: detach and close here.
// On a watcher thread (from inside a reload callback, or a GC finalizer run
// there) take no lock at all: another thread may hold the shared lock in
// off_reload, waiting for this very callback to return. Mark the slot closing
// (later calls fail at once) and hand detach + close to a helper thread.
void close_slot(const std::shared_ptr<Handle::Slot>& slot) {
  if (!on_callback_thread()) {
    slot->closing.store(true);
    omega_cfg_close(slot->detach());  // NULL (already closed) is a no-op
    return;
  }
  if (slot->closing.exchange(true)) return;  // already closed or being closed
  {
    std::lock_guard<std::mutex> lk(registry_mu);
    ++deferred_closes;
  }
  std::thread([slot] {
    omega_cfg* cfg = slot->detach();  // waits for any shared holder to finish
    if (cfg != nullptr) omega_cfg_close(cfg);
    std::lock_guard<std::mutex> lk(registry_mu);
    --deferred_closes;
    deferred_done.notify_all();
  }).detach();
}

const char* opt(const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; }

void lock_registry_for_fork() { registry_mu.lock(); }
void unlock_registry_after_fork() { registry_mu.unlock(); }

// An omega_cfg_open running on its own thread, so that the caller can wait for it in short
// slices and still see Ctrl-C: a blocked open would hold the signal for the whole connect
// timeout. If the caller gives up, whoever comes last closes the handle.
struct PendingOpen {
  OpenOptions options;  // owned here: the thread may outlive the caller's copy
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  bool abandoned = false;
  omega_cfg* cfg = nullptr;
  int rc = OMEGA_OK;
  std::string error;

  void run() {
    const OpenOptions& o = options;
    omega_cfg_options opts{};  // = OMEGA_CFG_OPTIONS_INIT, without C++'s missing-field warnings
    opts.struct_version = OMEGA_CFG_OPTIONS_VERSION;
    opts.redis_url = opt(o.redis_url);
    opts.namespace_prefix = opt(o.namespace_prefix);
    opts.config_key = opt(o.config_key);
    opts.version_key = opt(o.version_key);
    opts.meta_key = opt(o.meta_key);
    opts.channel = opt(o.channel);
    opts.connect_timeout_ms = o.connect_timeout_ms;
    opts.command_timeout_ms = o.command_timeout_ms;
    opts.poll_interval_ms = o.poll_interval_ms;
    opts.heartbeat_ms = o.heartbeat_ms;
    opts.reconnect_max_ms = o.reconnect_max_ms;
    opts.last_known_good_path = opt(o.last_known_good_path);
    opts.max_snapshot_bytes = o.max_snapshot_bytes;
    opts.tls_ca_file = opt(o.tls_ca_file);
    opts.tls_ca_dir = opt(o.tls_ca_dir);
    opts.tls_cert_file = opt(o.tls_cert_file);
    opts.tls_key_file = opt(o.tls_key_file);
    opts.tls_server_name = opt(o.tls_server_name);
    opts.tls_skip_verify = o.tls_skip_verify ? 1 : 0;
    opts.seal_key_path = opt(o.seal_key_path);
    opts.service_name = opt(o.service_name);
    omega_cfg* opened = nullptr;
    int status = omega_cfg_open(&opts, &opened);
    std::string message = status == OMEGA_OK ? "" : omega_last_error();  // thread-local: read it here
    std::unique_lock<std::mutex> lk(mu);
    done = true;
    rc = status;
    error = message.empty() ? omega_strerror(status) : message;
    if (abandoned) {
      lk.unlock();
      omega_cfg_close(opened);
      return;
    }
    cfg = opened;
    done_cv.notify_all();
  }
};

// Waits for the open in 50 ms slices with the GIL released; between slices, lets Python
// run its signal handlers. A KeyboardInterrupt abandons the open (closed when it finishes).
omega_cfg* wait_for_open(const std::shared_ptr<PendingOpen>& pending) {
  for (;;) {
    {
      py::gil_scoped_release nogil;
      std::unique_lock<std::mutex> lk(pending->mu);
      if (pending->done_cv.wait_for(lk, std::chrono::milliseconds(50), [&] { return pending->done; })) {
        if (pending->rc != OMEGA_OK) throw CoreError(pending->rc, pending->error);
        return pending->cfg;
      }
    }
    if (PyErr_CheckSignals() != 0) {
      omega_cfg* opened = nullptr;
      {
        std::lock_guard<std::mutex> lk(pending->mu);
        pending->abandoned = true;
        if (pending->done) opened = pending->cfg;  // finished just now: ours to close
      }
      if (opened) {
        py::gil_scoped_release nogil;
        omega_cfg_close(opened);
      }
      throw py::error_already_set();  // with the GIL: it takes the pending KeyboardInterrupt
    }
  }
}

}  // namespace

template <class F>
auto Handle::with_cfg(F&& f) const {
  if (slot_->closing.load()) throw CoreError(OMEGA_E_INVALID_ARG, "the config handle is closed");
  std::shared_lock<std::shared_mutex> lk(slot_->mu);
  if (slot_->cfg == nullptr) throw CoreError(OMEGA_E_INVALID_ARG, "the config handle is closed");
  return f(slot_->cfg);
}

std::unique_ptr<Handle> Handle::open(const OpenOptions& o) {
  auto pending = std::make_shared<PendingOpen>();
  pending->options = o;
  std::thread([pending] { pending->run(); }).detach();
  omega_cfg* cfg = wait_for_open(pending);
  auto slot = std::make_shared<Slot>();
  slot->cfg = cfg;
  {
    std::lock_guard<std::mutex> lk(registry_mu);  // held briefly, never while waiting
    registry.insert(slot);
  }
  return std::unique_ptr<Handle>(new Handle(std::move(slot)));
}

Handle::~Handle() {
  py::gil_scoped_release nogil;
  {
    std::lock_guard<std::mutex> lk(registry_mu);
    registry.erase(slot_);
  }
  close_slot(slot_);
}

omega_cfg* Handle::Slot::detach() {
  std::unique_lock<std::shared_mutex> lk(mu);
  omega_cfg* c = cfg;
  cfg = nullptr;
  return c;
}

void Handle::close() {
  py::gil_scoped_release nogil;
  close_slot(slot_);
}

bool Handle::closed() const {
  if (slot_->closing.load()) return true;
  std::shared_lock<std::shared_mutex> lk(slot_->mu);
  return slot_->cfg == nullptr;
}

std::unique_ptr<Snapshot> Handle::snapshot() const {
  return with_cfg([](omega_cfg* cfg) {
    omega_snapshot* snap = nullptr;
    check(omega_cfg_snapshot(cfg, &snap));
    return std::make_unique<Snapshot>(snap);
  });
}

void Handle::require(const std::vector<std::string>& keys) const {
  std::vector<const char*> ptrs;
  ptrs.reserve(keys.size());
  for (const auto& k : keys) ptrs.push_back(k.c_str());
  py::gil_scoped_release nogil;
  with_cfg([&](omega_cfg* cfg) {
    check(omega_cfg_require(cfg, ptrs.data(), ptrs.size()));
    return 0;
  });
}

uint64_t Handle::on_reload(py::function fn) const {
  void* data = new_callback(std::move(fn));
  uint64_t token = 0;
  int rc;
  {
    py::gil_scoped_release nogil;
    std::string err;
    try {
      rc = with_cfg([&](omega_cfg* cfg) {
        int r = omega_cfg_on_reload(cfg, reload_trampoline, data, destroy_callback, &token);
        if (r != OMEGA_OK) err = omega_last_error();
        return r;
      });
    } catch (...) {
      destroy_callback(data);  // never registered: free it here
      throw;
    }
    if (rc != OMEGA_OK) {
      destroy_callback(data);
      throw CoreError(rc, err.empty() ? omega_strerror(rc) : err);
    }
  }
  return token;
}

void Handle::off_reload(uint64_t token) const {
  py::gil_scoped_release nogil;
  with_cfg([&](omega_cfg* cfg) {
    check(omega_cfg_off_reload(cfg, token));
    return 0;
  });
}

py::dict Handle::status() const {
  omega_cfg_status st{};
  st.struct_version = OMEGA_CFG_STATUS_VERSION;
  {
    py::gil_scoped_release nogil;
    with_cfg([&](omega_cfg* cfg) {
      check(omega_cfg_get_status(cfg, &st));
      return 0;
    });
  }
  py::dict d;
  d["state"] = py::str(omega_state_name(st.state));
  d["version"] = st.version;
  d["epoch"] = py::str(st.epoch);
  d["ms_since_sync"] = st.ms_since_sync;
  d["reloads"] = st.reloads;
  d["rejected"] = st.rejected;
  d["last_error_code"] = st.last_error_code;
  d["last_error"] = py::str(st.last_error);
  return d;
}

py::object Handle::get(const std::string& key) const {
  return with_cfg([&](omega_cfg* cfg) -> py::object {
    std::string buf(256, '\0');
    size_t len = 0;
    int rc = omega_cfg_get(cfg, key.c_str(), &buf[0], buf.size(), &len);
    // A reload may grow the value between the two calls: retry until it fits.
    while (rc == OMEGA_E_BUFFER_TOO_SMALL) {
      buf.assign(len + 1, '\0');
      rc = omega_cfg_get(cfg, key.c_str(), &buf[0], buf.size(), &len);
    }
    if (rc == OMEGA_E_NOT_FOUND) return py::none();
    check(rc);
    return py::str(buf.data(), len);
  });
}

py::object Handle::get_int64(const std::string& key) const {
  return with_cfg([&](omega_cfg* cfg) -> py::object {
    int64_t v = 0;
    int rc = omega_cfg_get_int64(cfg, key.c_str(), &v);
    if (rc == OMEGA_E_NOT_FOUND) return py::none();
    check(rc);
    return py::int_(v);
  });
}

py::object Handle::get_double(const std::string& key) const {
  return with_cfg([&](omega_cfg* cfg) -> py::object {
    double v = 0;
    int rc = omega_cfg_get_double(cfg, key.c_str(), &v);
    if (rc == OMEGA_E_NOT_FOUND) return py::none();
    check(rc);
    return py::float_(v);
  });
}

py::object Handle::get_bool(const std::string& key) const {
  return with_cfg([&](omega_cfg* cfg) -> py::object {
    int v = 0;
    int rc = omega_cfg_get_bool(cfg, key.c_str(), &v);
    if (rc == OMEGA_E_NOT_FOUND) return py::none();
    check(rc);
    return py::bool_(v != 0);
  });
}

void close_all() {
  py::gil_scoped_release nogil;
  std::vector<std::shared_ptr<Handle::Slot>> open;
  {
    std::lock_guard<std::mutex> lk(registry_mu);
    open.assign(registry.begin(), registry.end());
  }
  for (auto& slot : open) close_slot(slot);
  std::unique_lock<std::mutex> lk(registry_mu);
  deferred_done.wait(lk, [] { return deferred_closes == 0; });
}

namespace {

// One row per option: its keyword name and how it fills OpenOptions. The single list of the
// options Python may pass (exported as OPTION_NAMES).
using OptionSetter = void (*)(OpenOptions&, py::handle);
template <std::optional<std::string> OpenOptions::*F>
void set_text(OpenOptions& o, py::handle v) {
  o.*F = v.is_none() ? std::nullopt : std::optional<std::string>(v.cast<std::string>());
}
template <unsigned OpenOptions::*F>
void set_ms(OpenOptions& o, py::handle v) {
  o.*F = v.cast<unsigned>();
}
const std::vector<std::pair<const char*, OptionSetter>>& option_table() {
  static const std::vector<std::pair<const char*, OptionSetter>> table = {
      {"redis_url", &set_text<&OpenOptions::redis_url>},
      {"namespace_prefix", &set_text<&OpenOptions::namespace_prefix>},
      {"config_key", &set_text<&OpenOptions::config_key>},
      {"version_key", &set_text<&OpenOptions::version_key>},
      {"meta_key", &set_text<&OpenOptions::meta_key>},
      {"channel", &set_text<&OpenOptions::channel>},
      {"connect_timeout_ms", &set_ms<&OpenOptions::connect_timeout_ms>},
      {"command_timeout_ms", &set_ms<&OpenOptions::command_timeout_ms>},
      {"poll_interval_ms", &set_ms<&OpenOptions::poll_interval_ms>},
      {"heartbeat_ms", &set_ms<&OpenOptions::heartbeat_ms>},
      {"reconnect_max_ms", &set_ms<&OpenOptions::reconnect_max_ms>},
      {"last_known_good_path", &set_text<&OpenOptions::last_known_good_path>},
      {"max_snapshot_bytes", [](OpenOptions& o, py::handle v) { o.max_snapshot_bytes = v.cast<size_t>(); }},
      {"tls_ca_file", &set_text<&OpenOptions::tls_ca_file>},
      {"tls_ca_dir", &set_text<&OpenOptions::tls_ca_dir>},
      {"tls_cert_file", &set_text<&OpenOptions::tls_cert_file>},
      {"tls_key_file", &set_text<&OpenOptions::tls_key_file>},
      {"tls_server_name", &set_text<&OpenOptions::tls_server_name>},
      {"tls_skip_verify", [](OpenOptions& o, py::handle v) { o.tls_skip_verify = v.cast<bool>(); }},
      {"seal_key_path", &set_text<&OpenOptions::seal_key_path>},
      {"service_name", &set_text<&OpenOptions::service_name>},
  };
  return table;
}

std::unique_ptr<Handle> open_with_keywords(py::kwargs kwargs) {
  OpenOptions o;
  for (auto [key, value] : kwargs) {
    std::string name = key.cast<std::string>();
    const auto& table = option_table();
    auto row = std::find_if(table.begin(), table.end(), [&](const auto& r) { return name == r.first; });
    if (row == table.end()) throw py::type_error("unknown option " + name);
    row->second(o, value);
  }
  return Handle::open(o);
}

}  // namespace

void register_handle(py::module_& m) {
  py::tuple names(option_table().size());
  for (size_t i = 0; i < option_table().size(); ++i) names[i] = option_table()[i].first;
  m.attr("OPTION_NAMES") = names;
  py::class_<Handle>(m, "Handle", "An open omega_cfg handle and its watcher thread.")
      .def_static("open", &open_with_keywords,
                  "Opens a handle; keyword arguments are the option names of OPTION_NAMES (omega_cfg_options).")
      .def("close", &Handle::close)
      .def_property_readonly("closed", &Handle::closed)
      .def("snapshot", &Handle::snapshot)
      .def("require", &Handle::require, py::arg("keys"))
      .def("on_reload", &Handle::on_reload, py::arg("fn"))
      .def("off_reload", &Handle::off_reload, py::arg("token"))
      .def("status", &Handle::status)
      .def("get", &Handle::get, py::arg("key"))
      .def("get_int64", &Handle::get_int64, py::arg("key"))
      .def("get_double", &Handle::get_double, py::arg("key"))
      .def("get_bool", &Handle::get_bool, py::arg("key"));
}

// fork() while another thread holds registry_mu would leave it locked forever in the child
// (whose atexit hook closes every handle): hold it across fork(), as the core does its own.
void install_fork_handlers() {
  pthread_atfork(&lock_registry_for_fork, &unlock_registry_after_fork, &unlock_registry_after_fork);
}

}  // namespace omega_py
