/*
 * omega_config.hpp — omega_config.h for C++17: RAII handles, typed reads that
 * return std::optional, exceptions that carry the omega_status code.
 *
 * Header-only and built on the C ABI alone: a program compiled with it calls
 * only the stable omega_* C functions, so it keeps working with any
 * libomega_config.so.0.<minor> (no C++ type ever crosses the library
 * boundary). Link as for the C header: `pkg-config --libs omega_config` or
 * `find_package(omega_config)` -> `omega::omega_config`.
 *
 *   #include <omega_config.hpp>
 *
 *   omega::Options opts;
 *   opts.redis_url = "redis://127.0.0.1:6379/0";
 *   omega::Config cfg = omega::Config::open(opts);  // throws omega::Unavailable, ...
 *   cfg.require({"REDIS_URL", "SECRET_KEY"});       // throws omega::MissingKeys
 *   int timeout = cfg.get<int>("REQUEST_TIMEOUT").value_or(30);  // "abc": omega::TypeError
 *   omega::Subscription sub = cfg.on_reload([](const omega::Reload& r) {
 *     if (r.changed("LOG_LEVEL")) apply(r.snapshot.get<std::string_view>("LOG_LEVEL").value_or("info"));
 *   });                                             // unregistered when sub is destroyed
 *   omega::Snapshot snap = cfg.snapshot();          // one version, read many keys from it
 *   for (const omega::Entry& e : snap) std::cout << e.key << '=' << e.value << '\n';
 *
 * Threading
 * ---------
 * Config: what omega_cfg is. Its const members (get, require, snapshot,
 *   status, on_reload) may run on any number of threads at once, and reads
 *   never do I/O. Opening, close(), moving and destroying a Config are not
 *   concurrent with any other use of it, and never happen inside one of its
 *   reload callbacks.
 * Snapshot: immutable; any thread may read it. It pins one version and
 *   releases it when destroyed; move it, never share the object's ownership.
 * SnapshotView: a borrowed view of a snapshot, valid as long as what it was
 *   taken from (a Snapshot, or the Reload of a running callback).
 * Subscription: unregisters its callback when destroyed or reset(). From any
 *   thread but the watcher it waits until a running call of the callback has
 *   returned; from inside any reload callback it never waits (the callback
 *   simply never runs again). It may outlive its Config: once the Config is
 *   closed it does nothing. Never destroy it concurrently with the Config's
 *   close().
 * Reload callbacks run on the handle's watcher thread, after the new version
 *   is visible to every reader, once per installed version, in order, never
 *   two at once (omega_cfg_on_reload). An exception escaping one is caught
 *   and written to stderr; the subscription stays.
 *
 * Values, in the C header's words: a std::string_view from a Snapshot is
 * borrowed until the Snapshot is destroyed; one from a Reload is borrowed
 * until the callback returns; a std::string is copied.
 *
 * Errors: every failure throws a subclass of omega::Error (a
 * std::runtime_error): status() is the omega_status code, what() the detailed
 * message. A key that is absent (or null) is not an error for get<T>: it
 * returns std::nullopt.
 */
#ifndef OMEGA_CONFIG_HPP
#define OMEGA_CONFIG_HPP

#include <omega_config.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace omega {
// The inline namespace keeps this header's names (omega::Error, omega::Snapshot,
// ...) distinct at link time from the library's internal C++ classes, which a
// program linking libomega_config.a carries too; spell them omega::X.
inline namespace cxx_v0 {

/* ---- Errors ---------------------------------------------------------------- */

class Error : public std::runtime_error {
 public:
  Error(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  // The omega_status code (negative).
  int status() const noexcept { return status_; }
  // Short fixed text of the code (omega_strerror). Static, never free.
  const char* status_text() const noexcept { return omega_strerror(status_); }

 private:
  int status_;
};

// One class per omega_status, each fixing its code.
#define OMEGA_CXX_ERROR_CLASS(Name, code)                               \
  class Name : public Error {                                           \
   public:                                                              \
    explicit Name(const std::string& message) : Error(code, message) {} \
  }
OMEGA_CXX_ERROR_CLASS(InvalidArgument, OMEGA_E_INVALID_ARG);
OMEGA_CXX_ERROR_CLASS(NotFound, OMEGA_E_NOT_FOUND);
OMEGA_CXX_ERROR_CLASS(BufferTooSmall, OMEGA_E_BUFFER_TOO_SMALL);
OMEGA_CXX_ERROR_CLASS(TypeError, OMEGA_E_TYPE);
OMEGA_CXX_ERROR_CLASS(Unavailable, OMEGA_E_UNAVAILABLE);
OMEGA_CXX_ERROR_CLASS(BadUrl, OMEGA_E_BAD_URL);
OMEGA_CXX_ERROR_CLASS(OutOfMemory, OMEGA_E_NOMEM);
OMEGA_CXX_ERROR_CLASS(InternalError, OMEGA_E_INTERNAL);
OMEGA_CXX_ERROR_CLASS(BadSnapshot, OMEGA_E_BAD_SNAPSHOT);
OMEGA_CXX_ERROR_CLASS(NoSuchToken, OMEGA_E_NO_SUCH_TOKEN);
OMEGA_CXX_ERROR_CLASS(Sealed, OMEGA_E_SEALED);
#undef OMEGA_CXX_ERROR_CLASS

// require() failed. what() names every missing key (the C message); keys() lists
// the asked-for keys that the snapshot current right after the failure lacks or
// holds as null (the same ones, unless a reload came in between).
class MissingKeys : public Error {
 public:
  explicit MissingKeys(const std::string& message, std::vector<std::string> keys = {})
      : Error(OMEGA_E_MISSING_KEYS, message), keys_(std::move(keys)) {}
  const std::vector<std::string>& keys() const noexcept { return keys_; }

 private:
  std::vector<std::string> keys_;
};

// Throws the class of status with message. A code this header does not know
// (a newer library's) throws omega::Error itself.
[[noreturn]] inline void throw_status(int status, const std::string& message) {
  switch (status) {
    case OMEGA_E_INVALID_ARG: throw InvalidArgument(message);
    case OMEGA_E_NOT_FOUND: throw NotFound(message);
    case OMEGA_E_BUFFER_TOO_SMALL: throw BufferTooSmall(message);
    case OMEGA_E_TYPE: throw TypeError(message);
    case OMEGA_E_MISSING_KEYS: throw MissingKeys(message);
    case OMEGA_E_UNAVAILABLE: throw Unavailable(message);
    case OMEGA_E_BAD_URL: throw BadUrl(message);
    case OMEGA_E_NOMEM: throw OutOfMemory(message);
    case OMEGA_E_INTERNAL: throw InternalError(message);
    case OMEGA_E_BAD_SNAPSHOT: throw BadSnapshot(message);
    case OMEGA_E_NO_SUCH_TOKEN: throw NoSuchToken(message);
    case OMEGA_E_SEALED: throw Sealed(message);
    default: throw Error(status, message);
  }
}

// For a status an omega_* call just returned on this thread: OMEGA_OK passes;
// anything else throws, with omega_last_error() (or the code's text) as message.
inline void check(int status) {
  if (status == OMEGA_OK) return;
  const char* detail = omega_last_error();
  throw_status(status, detail != nullptr && *detail != '\0' ? detail : omega_strerror(status));
}

/* ---- Values ---------------------------------------------------------------- */

enum class ValueType {
  String = OMEGA_TYPE_STRING,
  Int = OMEGA_TYPE_INT,
  Double = OMEGA_TYPE_DOUBLE,
  Bool = OMEGA_TYPE_BOOL,
  Null = OMEGA_TYPE_NULL,
  Json = OMEGA_TYPE_JSON,
};

// One key of a snapshot, as iteration yields it. key and value are borrowed
// like the snapshot's values (see the top of this file).
struct Entry {
  std::string_view key;
  std::string_view value;
  ValueType type;
};

namespace detail {

template <typename T>
inline constexpr bool always_false = false;

// A key as the C API takes it: NUL-terminated, so none inside.
inline std::string c_key(std::string_view key) {
  if (key.find('\0') != std::string_view::npos) throw InvalidArgument("omega: a key must not contain a NUL byte");
  return std::string(key);
}

// int64 -> the integer type the caller asked for, or TypeError.
template <typename T>
T narrow(std::int64_t v, const std::string& key) {
  using L = std::numeric_limits<T>;
  bool fits;
  if constexpr (std::is_signed_v<T>)
    fits = v >= static_cast<std::int64_t>(L::min()) && v <= static_cast<std::int64_t>(L::max());
  else
    fits = v >= 0 && static_cast<std::uint64_t>(v) <= static_cast<std::uint64_t>(L::max());
  if (!fits) throw TypeError(key + " = " + std::to_string(v) + " does not fit the integer type asked for");
  return static_cast<T>(v);
}

template <typename T>
inline constexpr bool is_int = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// Typed reads shared by Config and SnapshotView: C getters of one source.
// NOT_FOUND -> nullopt; another failure throws.
template <typename T, typename GetInt, typename GetDouble, typename GetBool>
std::optional<T> get_typed(const std::string& key, GetInt get_int, GetDouble get_double, GetBool get_bool) {
  int rc;
  if constexpr (std::is_same_v<T, bool>) {
    int b = 0;
    rc = get_bool(key.c_str(), &b);
    if (rc == OMEGA_OK) return b != 0;
  } else if constexpr (is_int<T>) {
    std::int64_t v = 0;
    rc = get_int(key.c_str(), &v);
    if (rc == OMEGA_OK) return narrow<T>(v, key);
  } else if constexpr (std::is_floating_point_v<T>) {
    double d = 0;
    rc = get_double(key.c_str(), &d);
    if (rc == OMEGA_OK) return static_cast<T>(d);
  } else {
    static_assert(always_false<T>,
                  "omega get<T>: T is std::string, an integer type, a floating type or bool "
                  "(and std::string_view from a Snapshot)");
  }
  if (rc == OMEGA_E_NOT_FOUND) return std::nullopt;
  check(rc);
  return std::nullopt;  // not reached
}

// A C option string: empty means "the default" (NULL).
inline const char* c_option(const std::string& value, const char* name) {
  if (value.empty()) return nullptr;
  if (value.find('\0') != std::string::npos)
    throw InvalidArgument(std::string("omega::Options::") + name + " must not contain a NUL byte");
  return value.c_str();
}

inline unsigned c_ms(std::chrono::milliseconds ms, const char* name) {
  if (ms.count() < 0 || static_cast<std::uint64_t>(ms.count()) > std::numeric_limits<unsigned>::max())
    throw InvalidArgument(std::string("omega::Options::") + name + " must be 0 (the default) or a positive duration");
  return static_cast<unsigned>(ms.count());
}

// What a Config and its Subscriptions share: the C handle, NULL once closed.
struct Handle {
  omega_cfg* cfg = nullptr;
};

}  // namespace detail

/* ---- Snapshots ------------------------------------------------------------- */

// A borrowed view of one snapshot: version, keys, values, iteration.
class SnapshotView {
 public:
  explicit SnapshotView(const omega_snapshot* snap) noexcept : snap_(snap) {}

  // 0: no snapshot yet.
  std::int64_t version() const noexcept { return omega_snapshot_version(snap_); }
  // "" if the writer published none.
  std::string_view epoch() const noexcept { return omega_snapshot_epoch(snap_); }
  // Keys, null-valued ones included.
  std::size_t size() const noexcept { return omega_snapshot_count(snap_); }
  bool empty() const noexcept { return size() == 0; }

  // The value of key (any ASCII case), or std::nullopt if it is absent or null.
  // T: std::string_view (borrowed), std::string, an integer type, a floating
  // type, bool; conversions as omega_snapshot_get_*: anything else is TypeError,
  // and so is an integer that does not fit T.
  template <typename T>
  std::optional<T> get(std::string_view key) const {
    const std::string k = detail::c_key(key);
    if constexpr (std::is_same_v<T, std::string_view> || std::is_same_v<T, std::string>) {
      const char* v = nullptr;
      std::size_t len = 0;
      int rc = omega_snapshot_get(snap_, k.c_str(), &v, &len);
      if (rc == OMEGA_E_NOT_FOUND) return std::nullopt;
      check(rc);
      return T(v, len);
    } else {
      const omega_snapshot* s = snap_;
      return detail::get_typed<T>(
          k, [s](const char* key_c, std::int64_t* out) { return omega_snapshot_get_int64(s, key_c, out); },
          [s](const char* key_c, double* out) { return omega_snapshot_get_double(s, key_c, out); },
          [s](const char* key_c, int* out) { return omega_snapshot_get_bool(s, key_c, out); });
    }
  }

  // The type of key's value, or std::nullopt if the key is absent.
  std::optional<ValueType> type(std::string_view key) const {
    const std::string k = detail::c_key(key);
    omega_value_type t = OMEGA_TYPE_NULL;
    int rc = omega_snapshot_type(snap_, k.c_str(), &t);
    if (rc == OMEGA_E_NOT_FOUND) return std::nullopt;
    check(rc);
    return static_cast<ValueType>(t);
  }

  // Entry index in key order, 0 <= index < size(); NotFound otherwise.
  Entry at(std::size_t index) const {
    const char* key = nullptr;
    const char* value = nullptr;
    omega_value_type type = OMEGA_TYPE_NULL;
    check(omega_snapshot_entry(snap_, index, &key, &value, &type));
    return Entry{key, value, static_cast<ValueType>(type)};
  }

  // Iteration over the entries in key order.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    using pointer = const Entry*;
    using reference = const Entry&;

    iterator(const SnapshotView* view, std::size_t index) : view_(view), index_(index) { load(); }
    reference operator*() const noexcept { return entry_; }
    pointer operator->() const noexcept { return &entry_; }
    iterator& operator++() {
      ++index_;
      load();
      return *this;
    }
    iterator operator++(int) {
      iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const iterator& o) const noexcept { return index_ == o.index_; }
    bool operator!=(const iterator& o) const noexcept { return index_ != o.index_; }

   private:
    void load() {
      if (index_ < view_->size()) entry_ = view_->at(index_);
    }
    const SnapshotView* view_;
    std::size_t index_;
    Entry entry_{};
  };
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, size()); }

  // The C snapshot, borrowed like this view.
  const omega_snapshot* c_handle() const noexcept { return snap_; }

 protected:
  const omega_snapshot* snap_;
};

// A pinned snapshot: one immutable version, released when destroyed.
class Snapshot : public SnapshotView {
 public:
  // Adopts snap (from omega_cfg_snapshot); it is released by this object.
  explicit Snapshot(omega_snapshot* snap) noexcept : SnapshotView(snap) {}
  Snapshot(Snapshot&& other) noexcept : SnapshotView(std::exchange(other.snap_, nullptr)) {}
  Snapshot& operator=(Snapshot&& other) noexcept {
    if (this != &other) {
      release();
      snap_ = std::exchange(other.snap_, nullptr);
    }
    return *this;
  }
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
  ~Snapshot() { release(); }

 private:
  void release() noexcept {
    omega_snapshot_release(const_cast<omega_snapshot*>(snap_));
    snap_ = nullptr;
  }
};

/* ---- Reload callbacks ------------------------------------------------------ */

// The keys a reload changed, sorted; borrowed until the callback returns.
class ChangedKeys {
 public:
  ChangedKeys(const char* const* keys, std::size_t n) noexcept : keys_(keys), n_(n) {}
  std::size_t size() const noexcept { return n_; }
  bool empty() const noexcept { return n_ == 0; }
  std::string_view operator[](std::size_t i) const noexcept { return keys_[i]; }
  // Whether key (any ASCII case, as every lookup) is among them.
  bool contains(std::string_view key) const noexcept {
    for (std::size_t i = 0; i < n_; ++i)
      if (iequal(keys_[i], key)) return true;
    return false;
  }

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;
    explicit iterator(const char* const* p) noexcept : p_(p) {}
    std::string_view operator*() const noexcept { return *p_; }
    iterator& operator++() noexcept {
      ++p_;
      return *this;
    }
    iterator operator++(int) noexcept { return iterator(p_++); }
    bool operator==(const iterator& o) const noexcept { return p_ == o.p_; }
    bool operator!=(const iterator& o) const noexcept { return p_ != o.p_; }

   private:
    const char* const* p_;
  };
  iterator begin() const noexcept { return iterator(keys_); }
  iterator end() const noexcept { return iterator(keys_ + n_); }

 private:
  static bool iequal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
      char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
      if (x != y) return false;
    }
    return true;
  }
  const char* const* keys_;
  std::size_t n_;
};

// What a reload callback is given; everything in it is borrowed until it returns.
struct Reload {
  std::int64_t version;      // the version just installed
  ChangedKeys changed_keys;  // added, removed or modified since the previous one
  SnapshotView snapshot;     // that version
  bool changed(std::string_view key) const noexcept { return changed_keys.contains(key); }
};

// One registered reload callback; unregisters it when destroyed (see Threading).
class Subscription {
 public:
  // Empty: subscribes to nothing (assign one from Config::on_reload).
  Subscription() noexcept = default;
  Subscription(Subscription&& other) noexcept
      : handle_(std::move(other.handle_)), token_(std::exchange(other.token_, 0)) {}
  Subscription& operator=(Subscription&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::move(other.handle_);
      token_ = std::exchange(other.token_, 0);
    }
    return *this;
  }
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() { reset(); }

  // Unregisters now (see Threading); then this Subscription is empty.
  void reset() noexcept {
    if (token_ != 0) {
      if (std::shared_ptr<detail::Handle> h = handle_.lock())
        if (h->cfg != nullptr) omega_cfg_off_reload(h->cfg, token_);
    }
    handle_.reset();
    token_ = 0;
  }
  // The C registration token (omega_cfg_off_reload); 0 if empty.
  std::uint64_t token() const noexcept { return token_; }
  explicit operator bool() const noexcept { return token_ != 0; }

 private:
  friend class Config;
  Subscription(std::weak_ptr<detail::Handle> handle, std::uint64_t token) noexcept
      : handle_(std::move(handle)), token_(token) {}
  std::weak_ptr<detail::Handle> handle_;
  std::uint64_t token_ = 0;
};

namespace detail {

template <typename Fn>
void reload_trampoline(std::int64_t version, const char* const* changed, std::size_t n, const omega_snapshot* snap,
                       void* user_data) noexcept {
  try {
    const Reload reload{version, ChangedKeys(changed, n), SnapshotView(snap)};
    (*static_cast<Fn*>(user_data))(reload);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "omega::Config::on_reload: callback for version %lld threw: %s\n",
                 static_cast<long long>(version), e.what());
  } catch (...) {
    std::fprintf(stderr, "omega::Config::on_reload: callback for version %lld threw a non-standard exception\n",
                 static_cast<long long>(version));
  }
}

template <typename Fn>
void destroy_callback(void* user_data) noexcept {
  delete static_cast<Fn*>(user_data);
}

}  // namespace detail

/* ---- Opening a handle ------------------------------------------------------ */

// omega_cfg_options in C++ terms. An empty string or a zero duration means
// "the default"; omega_config.h documents each field and its default.
struct Options {
  std::string redis_url;
  std::string namespace_prefix;
  std::string config_key;
  std::string version_key;
  std::string meta_key;
  std::string channel;
  std::chrono::milliseconds connect_timeout{0};
  std::chrono::milliseconds command_timeout{0};
  std::chrono::milliseconds poll_interval{0};
  std::chrono::milliseconds heartbeat{0};
  std::chrono::milliseconds reconnect_max{0};
  std::string last_known_good_path;
  std::size_t max_snapshot_bytes = 0;
  std::string tls_ca_file;
  std::string tls_ca_dir;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_server_name;
  bool tls_skip_verify = false;
  std::string seal_key_path;
  std::string service_name;
};

enum class State { Ready = OMEGA_STATE_READY, Stale = OMEGA_STATE_STALE, Error = OMEGA_STATE_ERROR };

// "READY", "STALE", "ERROR". Static, never free.
inline const char* to_string(State state) noexcept { return omega_state_name(static_cast<int>(state)); }

// omega_cfg_status, copied.
struct Status {
  State state;
  std::int64_t version;                                 // applied version; 0 = none
  std::string epoch;                                    // "" if none
  std::optional<std::chrono::milliseconds> since_sync;  // nullopt: never synced
  std::uint64_t reloads;                                // versions installed since open
  std::uint64_t rejected;                               // snapshots rejected since open
  int last_error_code;                                  // omega_status, 0 if none
  std::string last_error;                               // "" if none
};

// One handle: a local, hot-reloading copy of the settings. Move-only; closes in
// its destructor.
class Config {
 public:
  // Connects, loads the current snapshot and starts the watcher thread
  // (omega_cfg_open). Throws Unavailable, BadUrl, InvalidArgument, ...
  static Config open(const Options& options = Options()) {
    omega_cfg_options c = OMEGA_CFG_OPTIONS_INIT;
    c.redis_url = detail::c_option(options.redis_url, "redis_url");
    c.namespace_prefix = detail::c_option(options.namespace_prefix, "namespace_prefix");
    c.config_key = detail::c_option(options.config_key, "config_key");
    c.version_key = detail::c_option(options.version_key, "version_key");
    c.meta_key = detail::c_option(options.meta_key, "meta_key");
    c.channel = detail::c_option(options.channel, "channel");
    c.connect_timeout_ms = detail::c_ms(options.connect_timeout, "connect_timeout");
    c.command_timeout_ms = detail::c_ms(options.command_timeout, "command_timeout");
    c.poll_interval_ms = detail::c_ms(options.poll_interval, "poll_interval");
    c.heartbeat_ms = detail::c_ms(options.heartbeat, "heartbeat");
    c.reconnect_max_ms = detail::c_ms(options.reconnect_max, "reconnect_max");
    c.last_known_good_path = detail::c_option(options.last_known_good_path, "last_known_good_path");
    c.max_snapshot_bytes = options.max_snapshot_bytes;
    c.tls_ca_file = detail::c_option(options.tls_ca_file, "tls_ca_file");
    c.tls_ca_dir = detail::c_option(options.tls_ca_dir, "tls_ca_dir");
    c.tls_cert_file = detail::c_option(options.tls_cert_file, "tls_cert_file");
    c.tls_key_file = detail::c_option(options.tls_key_file, "tls_key_file");
    c.tls_server_name = detail::c_option(options.tls_server_name, "tls_server_name");
    c.tls_skip_verify = options.tls_skip_verify ? 1 : 0;
    c.seal_key_path = detail::c_option(options.seal_key_path, "seal_key_path");
    c.service_name = detail::c_option(options.service_name, "service_name");
    auto handle = std::make_shared<detail::Handle>();
    check(omega_cfg_open(&c, &handle->cfg));
    return Config(std::move(handle));
  }

  Config(Config&& other) noexcept = default;
  Config& operator=(Config&& other) noexcept {
    if (this != &other) {
      close();
      handle_ = std::move(other.handle_);
    }
    return *this;
  }
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;
  ~Config() { close(); }

  // Stops the watcher and frees the handle (omega_cfg_close); runs the
  // destructors of callbacks still registered. Later calls throw
  // InvalidArgument; closing again does nothing.
  void close() noexcept {
    if (handle_ && handle_->cfg != nullptr) {
      omega_cfg_close(handle_->cfg);
      handle_->cfg = nullptr;
    }
    handle_.reset();
  }
  bool is_open() const noexcept { return handle_ && handle_->cfg != nullptr; }
  // The C handle, borrowed until close(); NULL once closed.
  omega_cfg* c_handle() const noexcept { return handle_ ? handle_->cfg : nullptr; }

  // The value of key (any ASCII case) now, or std::nullopt if it is absent or
  // null. T: std::string (copied), an integer type, a floating type or bool,
  // converted as omega_cfg_get_*; anything else is TypeError, and so is an
  // integer that does not fit T. (std::string_view needs a Snapshot, which
  // keeps the value alive.)
  template <typename T>
  std::optional<T> get(std::string_view key) const {
    static_assert(!std::is_same_v<T, std::string_view>,
                  "omega::Config::get<std::string_view>: a reload may free the value; read std::string, "
                  "or pin a Snapshot and read std::string_view from it");
    const std::string k = detail::c_key(key);
    omega_cfg* cfg = c_handle();
    if constexpr (std::is_same_v<T, std::string>) {
      std::string value(64, '\0');
      for (;;) {  // the size-query idiom; a reload in between may grow the value again
        std::size_t len = 0;
        int rc = omega_cfg_get(cfg, k.c_str(), &value[0], value.size(), &len);
        if (rc == OMEGA_OK) {
          value.resize(len);
          return value;
        }
        if (rc == OMEGA_E_NOT_FOUND) return std::nullopt;
        if (rc != OMEGA_E_BUFFER_TOO_SMALL) check(rc);
        value.resize(len + 1);
      }
    } else {
      return detail::get_typed<T>(
          k, [cfg](const char* key_c, std::int64_t* out) { return omega_cfg_get_int64(cfg, key_c, out); },
          [cfg](const char* key_c, double* out) { return omega_cfg_get_double(cfg, key_c, out); },
          [cfg](const char* key_c, int* out) { return omega_cfg_get_bool(cfg, key_c, out); });
    }
  }

  // Throws MissingKeys unless every key is present and not null; a require
  // that succeeds is remembered (omega_cfg_require).
  void require(std::initializer_list<std::string_view> keys) const { require_range(keys); }
  template <typename Range, typename = decltype(std::begin(std::declval<const Range&>()))>
  void require(const Range& keys) const {
    require_range(keys);
  }

  // Pins the current snapshot.
  Snapshot snapshot() const {
    omega_snapshot* snap = nullptr;
    check(omega_cfg_snapshot(c_handle(), &snap));
    return Snapshot(snap);
  }

  Status status() const {
    omega_cfg_status c = OMEGA_CFG_STATUS_INIT;
    check(omega_cfg_get_status(c_handle(), &c));
    Status s{static_cast<State>(c.state), c.version,   c.epoch, std::nullopt, c.reloads, c.rejected,
             c.last_error_code,           c.last_error};
    if (c.ms_since_sync >= 0) s.since_sync = std::chrono::milliseconds(c.ms_since_sync);
    return s;
  }

  // Registers fn, called as fn(const omega::Reload&) on the watcher thread for
  // every installed version (see Threading). fn is moved into the library and
  // destroyed after it is unregistered, or at close(). Keep the Subscription:
  // destroying it unregisters.
  template <typename F>
  [[nodiscard]] Subscription on_reload(F&& fn) const {
    using Fn = std::decay_t<F>;
    static_assert(std::is_invocable_v<Fn&, const Reload&>,
                  "omega::Config::on_reload: the callback must be callable as fn(const omega::Reload&)");
    auto owned = std::make_unique<Fn>(std::forward<F>(fn));
    std::uint64_t token = 0;
    check(omega_cfg_on_reload(c_handle(), &detail::reload_trampoline<Fn>, owned.get(), &detail::destroy_callback<Fn>,
                              &token));
    owned.release();  // the library's now: destroy_callback deletes it
    return Subscription(handle_, token);
  }

 private:
  explicit Config(std::shared_ptr<detail::Handle> handle) noexcept : handle_(std::move(handle)) {}

  template <typename Range>
  void require_range(const Range& keys) const {
    std::vector<std::string> owned;
    for (const auto& key : keys) owned.push_back(detail::c_key(key));
    std::vector<const char*> c_keys;
    c_keys.reserve(owned.size());
    for (const std::string& k : owned) c_keys.push_back(k.c_str());
    int rc = omega_cfg_require(c_handle(), c_keys.data(), c_keys.size());
    if (rc != OMEGA_E_MISSING_KEYS) return check(rc);
    const std::string message = omega_last_error();  // copied before the next omega_* call
    std::vector<std::string> missing;
    Snapshot now = snapshot();
    for (const std::string& k : owned) {
      std::optional<ValueType> t = now.type(k);
      if ((!t || *t == ValueType::Null) && std::find(missing.begin(), missing.end(), k) == missing.end())
        missing.push_back(k);
    }
    throw MissingKeys(message, std::move(missing));
  }

  std::shared_ptr<detail::Handle> handle_;
};

}  // namespace cxx_v0
}  // namespace omega

#endif /* OMEGA_CONFIG_HPP */
