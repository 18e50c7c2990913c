// The C facade's conversions (see c_adapters.h).
#include "c_adapters.h"

#include <cstddef>
#include <cstdio>
#include <cstring>

#include "errors.h"
#include "node_choice.h"
#include "tls_context.h"

namespace omega {
namespace {

constexpr unsigned kMaxMs = 3600 * 1000;

std::chrono::milliseconds ms_or(unsigned v, std::chrono::milliseconds fallback, unsigned min, const char* name) {
  if (v == 0) return fallback;
  if (v < min || v > kMaxMs)
    throw Error(OMEGA_E_INVALID_ARG, std::string(name) + " must be between " + std::to_string(min) + " and " +
                                         std::to_string(kMaxMs) + " ms");
  return std::chrono::milliseconds(v);
}

std::string name_or(const char* explicit_name, const std::string& fallback, const char* what) {
  if (explicit_name == nullptr) return fallback;
  size_t len = std::strlen(explicit_name);
  if (len == 0 || len > 512) throw Error(OMEGA_E_INVALID_ARG, std::string(what) + " must be 1 to 512 bytes");
  return explicit_name;
}

// Fields appended in struct_version 2: TLS overrides of the URL's ssl_* parameters, the seal
// key, the service name.
void apply_version_2(const omega_cfg_options& c, Options* o) {
  redis::TlsSettings& tls = o->endpoint.tls;
  auto set = [](const char* value, std::string* field, const char* what) {
    if (value) *field = name_or(value, "", what);
  };
  set(c.tls_ca_file, &tls.ca_file, "tls_ca_file");
  set(c.tls_ca_dir, &tls.ca_dir, "tls_ca_dir");
  set(c.tls_cert_file, &tls.cert_file, "tls_cert_file");
  set(c.tls_key_file, &tls.key_file, "tls_key_file");
  set(c.tls_server_name, &tls.server_name, "tls_server_name");
  if (c.tls_skip_verify) tls.verify_peer = false;
  set(c.seal_key_path, &o->seal_key_path, "seal_key_path");
  set(c.service_name, &o->service_name, "service_name");
}

}  // namespace

size_t options_size(unsigned struct_version) {
  static_assert(OMEGA_CFG_OPTIONS_VERSION == 2, "options_size: say where the new version's fields end");
  switch (struct_version) {
    case 1: return offsetof(omega_cfg_options, tls_ca_file);  // the fields before version 2's
    case 2: return sizeof(omega_cfg_options);
    default: return 0;
  }
}

Options options_from_c(const omega_cfg_options* opts) {
  Options o;
  omega_cfg_options defaults{};
  defaults.struct_version = OMEGA_CFG_OPTIONS_VERSION;
  if (opts == nullptr) opts = &defaults;
  if (opts->struct_version == 0)
    throw Error(OMEGA_E_INVALID_ARG, "options.struct_version is 0: initialise with OMEGA_CFG_OPTIONS_INIT");
  if (opts->struct_version > OMEGA_CFG_OPTIONS_VERSION)
    throw Error(OMEGA_E_INVALID_ARG, "options.struct_version " + std::to_string(opts->struct_version) +
                                         " is newer than this library knows (" +
                                         std::to_string(OMEGA_CFG_OPTIONS_VERSION) + ")");
  try {
    o.endpoint = redis::parse_url(opts->redis_url ? opts->redis_url : "redis://127.0.0.1:6379/0");
  } catch (const redis::UrlError& e) {
    throw Error(OMEGA_E_BAD_URL, e.what());
  }
  if (opts->struct_version >= 2) apply_version_2(*opts, &o);
  try {
    redis::prepare_tls(&o.endpoint);
  } catch (const redis::TlsConfigError& e) {
    throw Error(OMEGA_E_INVALID_ARG, e.what());
  }

  wire::Names prefixed;
  if (opts->namespace_prefix)
    prefixed = wire::Names::with_prefix(name_or(opts->namespace_prefix, "", "namespace_prefix"));
  o.names.config = name_or(opts->config_key, prefixed.config, "config_key");
  o.names.version = name_or(opts->version_key, prefixed.version, "version_key");
  o.names.meta = name_or(opts->meta_key, prefixed.meta, "meta_key");
  o.names.channel = name_or(opts->channel, prefixed.channel, "channel");
  std::string slots = redis::cluster_slot_problem(o.endpoint, o.names.config, o.names.version, o.names.meta);
  if (!slots.empty()) throw Error(OMEGA_E_INVALID_ARG, slots);

  o.connect_timeout = ms_or(opts->connect_timeout_ms, o.connect_timeout, 1, "connect_timeout_ms");
  o.command_timeout = ms_or(opts->command_timeout_ms, o.command_timeout, 1, "command_timeout_ms");
  o.poll_interval = ms_or(opts->poll_interval_ms, o.poll_interval, 10, "poll_interval_ms");
  o.heartbeat = ms_or(opts->heartbeat_ms, o.heartbeat, 10, "heartbeat_ms");
  o.reconnect_max = ms_or(opts->reconnect_max_ms, o.reconnect_max, 10, "reconnect_max_ms");
  if (opts->last_known_good_path) {
    if (*opts->last_known_good_path == '\0') throw Error(OMEGA_E_INVALID_ARG, "last_known_good_path is empty");
    o.lkg_path = opts->last_known_good_path;
  }
  if (opts->max_snapshot_bytes) o.max_bytes = opts->max_snapshot_bytes;
  return o;
}

void status_to_c(const ReaderStatus& status, omega_cfg_status* out) {
  switch (status.state) {
    case ReaderState::kReady: out->state = OMEGA_STATE_READY; break;
    case ReaderState::kStale: out->state = OMEGA_STATE_STALE; break;
    case ReaderState::kError: out->state = OMEGA_STATE_ERROR; break;
  }
  out->version = status.version;
  std::snprintf(out->epoch, sizeof out->epoch, "%s", status.epoch.c_str());
  out->ms_since_sync = status.ms_since_sync;
  out->reloads = status.reloads;
  out->rejected = status.rejected;
  out->last_error_code = status.last_error_code;
  std::snprintf(out->last_error, sizeof out->last_error, "%s", status.last_error.c_str());
}

Callbacks::Fn reload_fn_from_c(omega_reload_fn fn, void* user_data) {
  return [fn, user_data](const ReloadEvent& event) {
    std::vector<const char*> keys;
    keys.reserve(event.changed.size());
    for (const auto& k : event.changed) keys.push_back(k.c_str());
    omega_snapshot pinned{event.snapshot};
    fn(event.version, keys.data(), keys.size(), &pinned, user_data);
  };
}

omega_value_type value_type_to_c(ValueType t) {
  switch (t) {
    case ValueType::kString: return OMEGA_TYPE_STRING;
    case ValueType::kInt: return OMEGA_TYPE_INT;
    case ValueType::kDouble: return OMEGA_TYPE_DOUBLE;
    case ValueType::kBool: return OMEGA_TYPE_BOOL;
    case ValueType::kNull: return OMEGA_TYPE_NULL;
    case ValueType::kJson: return OMEGA_TYPE_JSON;
  }
  return OMEGA_TYPE_NULL;
}

}  // namespace omega
