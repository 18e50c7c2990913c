// Every extern "C" definition of omega_config.h. Each checks its arguments,
// then runs its body inside OMEGA_API_BEGIN/END, which turns exceptions into
// status codes and the thread-local message: none crosses the C boundary.
#include <sodium.h>

#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "c_adapters.h"
#include "errors.h"

using omega::Error;

namespace {

// Never allocates, so it is safe outside the try blocks too.
int fail(int code, const char* message) {
  omega::set_last_error(message);
  return code;
}

#define OMEGA_API_BEGIN try {
#define OMEGA_API_END                                \
  }                                                  \
  catch (const Error& e) {                           \
    return fail(e.code(), e.what());                 \
  }                                                  \
  catch (const std::bad_alloc&) {                    \
    return fail(OMEGA_E_NOMEM, "out of memory");     \
  }                                                  \
  catch (const std::exception& e) {                  \
    return fail(OMEGA_E_INTERNAL, e.what());         \
  }                                                  \
  catch (...) {                                      \
    return fail(OMEGA_E_INTERNAL, "internal error"); \
  }

#define OMEGA_CHECK_ARG(cond, what) \
  if (!(cond)) return fail(OMEGA_E_INVALID_ARG, what)

[[noreturn]] void sealed_error(const omega::Entry& e) {
  throw Error(OMEGA_E_SEALED, std::string(e.key) +
                                  " is a sealed secret and this handle has no seal key to open it: set the "
                                  "seal_key_path option (Python: seal_key_path= or OMEGA_SEAL_KEY_FILE) to a copy "
                                  "of the writer's seal key file");
}

const omega::Entry& find_or_throw(const omega::Snapshot& s, const char* key) {
  const omega::Entry* e = s.find(key);
  if (e == nullptr)
    throw Error(OMEGA_E_NOT_FOUND,
                std::string("no setting named ") + key + " (version " + std::to_string(s.version()) + ")");
  if (e->type == omega::ValueType::kNull)
    throw Error(OMEGA_E_NOT_FOUND, std::string(e->key) + " is null (version " + std::to_string(s.version()) + ")");
  if (e->sealed) sealed_error(*e);
  return *e;
}

// Shared by the omega_cfg_get_* and omega_snapshot_get_* families. The snapshot is fetched
// inside the guard: a thread's first read may allocate.
template <typename T, typename Source, typename Convert>
int typed_get(Source source, const char* key, T* out, Convert convert) {
  OMEGA_API_BEGIN
  auto snapshot = source();
  *out = convert(find_or_throw(*snapshot, key));
  return OMEGA_OK;
  OMEGA_API_END
}

int bool_as_int(const omega::Entry& e) { return omega::entry_as_bool(e) ? 1 : 0; }

}  // namespace

extern "C" {

unsigned omega_version_number(void) { return OMEGA_CONFIG_VERSION_NUMBER; }

const char* omega_version_string(void) {
#define OMEGA_STR2(x) #x
#define OMEGA_STR(x) OMEGA_STR2(x)
  return OMEGA_STR(OMEGA_CONFIG_VERSION_MAJOR) "." OMEGA_STR(OMEGA_CONFIG_VERSION_MINOR) "." OMEGA_STR(
      OMEGA_CONFIG_VERSION_PATCH);
}

const char* omega_strerror(int status) { return omega::status_string(status); }

const char* omega_last_error(void) { return omega::last_error(); }

const char* omega_state_name(int state) {
  switch (state) {
    case OMEGA_STATE_READY: return "READY";
    case OMEGA_STATE_STALE: return "STALE";
    case OMEGA_STATE_ERROR: return "ERROR";
    default: return "UNKNOWN";
  }
}

int omega_cfg_options_init(omega_cfg_options* opts, unsigned struct_version) {
  OMEGA_CHECK_ARG(opts != nullptr, "omega_cfg_options_init: opts is NULL");
  // The caller's struct is the one its header declared: as long as struct_version says, no
  // longer (a newer library must not write the fields an older caller does not have).
  size_t size = omega::options_size(struct_version);
  if (size == 0)
    return fail(OMEGA_E_INVALID_ARG, struct_version == 0
                                         ? "omega_cfg_options_init: struct_version is 0: pass OMEGA_CFG_OPTIONS_VERSION"
                                         : "omega_cfg_options_init: struct_version is newer than this library");
  std::memset(static_cast<void*>(opts), 0, size);
  opts->struct_version = struct_version;
  return OMEGA_OK;
}

int omega_cfg_open(const omega_cfg_options* opts, omega_cfg** out) {
  OMEGA_CHECK_ARG(out != nullptr, "omega_cfg_open: out is NULL");
  *out = nullptr;
  OMEGA_API_BEGIN
  if (sodium_init() < 0) throw Error(OMEGA_E_INTERNAL, "libsodium failed to initialise");
  auto cfg = std::make_unique<omega_cfg>();
  cfg->rep = std::make_unique<omega::Reader>(omega::options_from_c(opts));
  cfg->rep->open();
  *out = cfg.release();
  return OMEGA_OK;
  OMEGA_API_END
}

void omega_cfg_close(omega_cfg* cfg) {
  if (cfg == nullptr) return;
  try {
    cfg->rep->close();
  } catch (...) {
  }
  delete cfg;
}

int omega_cfg_get(omega_cfg* cfg, const char* key, char* buf, size_t buf_len, size_t* out_len) {
  OMEGA_CHECK_ARG(cfg != nullptr, "omega_cfg_get: cfg is NULL");
  OMEGA_CHECK_ARG(key != nullptr, "omega_cfg_get: key is NULL");
  OMEGA_CHECK_ARG(buf != nullptr || buf_len == 0, "omega_cfg_get: buf is NULL but buf_len is not 0");
  OMEGA_API_BEGIN
  omega::LocalRef snap = cfg->rep->cache().local();
  const omega::Entry& e = find_or_throw(*snap, key);
  if (out_len) *out_len = e.text.size();
  if (buf_len <= e.text.size())
    throw Error(OMEGA_E_BUFFER_TOO_SMALL,
                std::string(e.key) + " needs a buffer of " + std::to_string(e.text.size() + 1) + " bytes");
  std::memcpy(buf, e.text.data(), e.text.size() + 1);  // with its NUL
  return OMEGA_OK;
  OMEGA_API_END
}

int omega_cfg_get_int64(omega_cfg* cfg, const char* key, int64_t* out) {
  OMEGA_CHECK_ARG(cfg && key && out, "omega_cfg_get_int64: cfg, key and out must not be NULL");
  return typed_get([cfg] { return cfg->rep->cache().local(); }, key, out, omega::entry_as_int64);
}

int omega_cfg_get_double(omega_cfg* cfg, const char* key, double* out) {
  OMEGA_CHECK_ARG(cfg && key && out, "omega_cfg_get_double: cfg, key and out must not be NULL");
  return typed_get([cfg] { return cfg->rep->cache().local(); }, key, out, omega::entry_as_double);
}

int omega_cfg_get_bool(omega_cfg* cfg, const char* key, int* out) {
  OMEGA_CHECK_ARG(cfg && key && out, "omega_cfg_get_bool: cfg, key and out must not be NULL");
  return typed_get([cfg] { return cfg->rep->cache().local(); }, key, out, bool_as_int);
}

int omega_cfg_require(omega_cfg* cfg, const char* const* keys, size_t n_keys) {
  OMEGA_CHECK_ARG(cfg != nullptr, "omega_cfg_require: cfg is NULL");
  OMEGA_CHECK_ARG(keys != nullptr || n_keys == 0, "omega_cfg_require: keys is NULL");
  OMEGA_API_BEGIN
  for (size_t i = 0; i < n_keys; ++i) {
    if (keys[i] == nullptr || keys[i][0] == '\0')
      throw Error(OMEGA_E_INVALID_ARG, "omega_cfg_require: key " + std::to_string(i) + " is NULL or empty");
  }
  cfg->rep->require(std::vector<std::string>(keys, keys + n_keys));
  return OMEGA_OK;
  OMEGA_API_END
}

int omega_cfg_snapshot(omega_cfg* cfg, omega_snapshot** out) {
  OMEGA_CHECK_ARG(out != nullptr, "omega_cfg_snapshot: out is NULL");
  *out = nullptr;
  OMEGA_CHECK_ARG(cfg != nullptr, "omega_cfg_snapshot: cfg is NULL");
  OMEGA_API_BEGIN
  *out = new omega_snapshot{cfg->rep->cache().load()};
  return OMEGA_OK;
  OMEGA_API_END
}

void omega_snapshot_release(omega_snapshot* snap) { delete snap; }

int64_t omega_snapshot_version(const omega_snapshot* snap) { return snap ? snap->rep->version() : -1; }

const char* omega_snapshot_epoch(const omega_snapshot* snap) { return snap ? snap->rep->epoch().c_str() : ""; }

size_t omega_snapshot_count(const omega_snapshot* snap) { return snap ? snap->rep->entries().size() : 0; }

int omega_snapshot_get(const omega_snapshot* snap, const char* key, const char** out_value, size_t* out_len) {
  OMEGA_CHECK_ARG(snap && key && out_value, "omega_snapshot_get: snap, key and out_value must not be NULL");
  OMEGA_API_BEGIN
  const omega::Entry& e = find_or_throw(*snap->rep, key);
  *out_value = e.text.data();  // NUL-terminated
  if (out_len) *out_len = e.text.size();
  return OMEGA_OK;
  OMEGA_API_END
}

int omega_snapshot_get_int64(const omega_snapshot* snap, const char* key, int64_t* out) {
  OMEGA_CHECK_ARG(snap && key && out, "omega_snapshot_get_int64: snap, key and out must not be NULL");
  return typed_get([snap] { return snap->rep.get(); }, key, out, omega::entry_as_int64);
}

int omega_snapshot_get_double(const omega_snapshot* snap, const char* key, double* out) {
  OMEGA_CHECK_ARG(snap && key && out, "omega_snapshot_get_double: snap, key and out must not be NULL");
  return typed_get([snap] { return snap->rep.get(); }, key, out, omega::entry_as_double);
}

int omega_snapshot_get_bool(const omega_snapshot* snap, const char* key, int* out) {
  OMEGA_CHECK_ARG(snap && key && out, "omega_snapshot_get_bool: snap, key and out must not be NULL");
  return typed_get([snap] { return snap->rep.get(); }, key, out, bool_as_int);
}

int omega_snapshot_type(const omega_snapshot* snap, const char* key, omega_value_type* out) {
  OMEGA_CHECK_ARG(snap && key && out, "omega_snapshot_type: snap, key and out must not be NULL");
  OMEGA_API_BEGIN
  const omega::Entry* e = snap->rep->find(key);
  if (e == nullptr) throw Error(OMEGA_E_NOT_FOUND, std::string("no setting named ") + key);
  if (e->sealed) sealed_error(*e);  // its real type is inside the seal
  *out = omega::value_type_to_c(e->type);
  return OMEGA_OK;
  OMEGA_API_END
}

int omega_snapshot_entry(const omega_snapshot* snap, size_t index, const char** out_key, const char** out_value,
                         omega_value_type* out_type) {
  OMEGA_CHECK_ARG(snap && out_key && out_value, "omega_snapshot_entry: snap, out_key and out_value must not be NULL");
  OMEGA_API_BEGIN
  const auto& entries = snap->rep->entries();
  if (index >= entries.size())
    throw Error(OMEGA_E_NOT_FOUND,
                "index " + std::to_string(index) + " is past the " + std::to_string(entries.size()) + " entries");
  *out_key = entries[index].key.data();  // NUL-terminated
  if (entries[index].sealed) {
    *out_value = nullptr;  // the key is named, so iteration can say which one is sealed
    sealed_error(entries[index]);
  }
  *out_value = entries[index].text.data();
  if (out_type) *out_type = omega::value_type_to_c(entries[index].type);
  return OMEGA_OK;
  OMEGA_API_END
}

int omega_cfg_on_reload(omega_cfg* cfg, omega_reload_fn fn, void* user_data, void (*destroy)(void*),
                        uint64_t* out_token) {
  OMEGA_CHECK_ARG(cfg && fn && out_token, "omega_cfg_on_reload: cfg, fn and out_token must not be NULL");
  OMEGA_API_BEGIN
  std::function<void()> release;
  if (destroy) release = [destroy, user_data] { destroy(user_data); };
  *out_token = cfg->rep->callbacks().add(omega::reload_fn_from_c(fn, user_data), std::move(release));
  return OMEGA_OK;
  OMEGA_API_END
}

int omega_cfg_off_reload(omega_cfg* cfg, uint64_t token) {
  OMEGA_CHECK_ARG(cfg != nullptr, "omega_cfg_off_reload: cfg is NULL");
  OMEGA_API_BEGIN
  if (!cfg->rep->callbacks().remove(token))
    throw Error(OMEGA_E_NO_SUCH_TOKEN, "no reload callback with token " + std::to_string(token));
  return OMEGA_OK;
  OMEGA_API_END
}

int omega_cfg_get_status(omega_cfg* cfg, omega_cfg_status* out) {
  OMEGA_CHECK_ARG(cfg && out, "omega_cfg_get_status: cfg and out must not be NULL");
  OMEGA_CHECK_ARG(out->struct_version >= 1 && out->struct_version <= OMEGA_CFG_STATUS_VERSION,
                  "omega_cfg_get_status: out->struct_version must be set with OMEGA_CFG_STATUS_INIT");
  OMEGA_API_BEGIN
  omega::status_to_c(cfg->rep->status(), out);
  return OMEGA_OK;
  OMEGA_API_END
}

}  // extern "C"
