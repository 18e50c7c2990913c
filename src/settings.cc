#include "settings.h"

#include <cstring>

#include "errors.h"

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

}  // namespace

Settings Settings::from(const omega_cfg_options* opts) {
  Settings s;
  omega_cfg_options defaults{};
  defaults.struct_version = OMEGA_CFG_OPTIONS_VERSION;
  if (opts == nullptr) opts = &defaults;
  if (opts->struct_version == 0)
    throw Error(OMEGA_E_INVALID_ARG, "options.struct_version is 0: initialise with OMEGA_CFG_OPTIONS_INIT");
  if (opts->struct_version > OMEGA_CFG_OPTIONS_VERSION)
    throw Error(OMEGA_E_INVALID_ARG, "options.struct_version " + std::to_string(opts->struct_version) +
                                         " is newer than this library knows (" +
                                         std::to_string(OMEGA_CFG_OPTIONS_VERSION) + ")");
  s.endpoint = parse_redis_url(opts->redis_url ? opts->redis_url : "redis://127.0.0.1:6379/0");

  std::string prefix;
  if (opts->namespace_prefix) prefix = name_or(opts->namespace_prefix, "", "namespace_prefix") + ":";
  s.names.config_key = name_or(opts->config_key, prefix + "omega:config", "config_key");
  s.names.version_key = name_or(opts->version_key, prefix + "omega:config:version", "version_key");
  s.names.meta_key = name_or(opts->meta_key, prefix + "omega:config:meta", "meta_key");
  s.names.channel = name_or(opts->channel, prefix + "config_channel", "channel");

  s.connect_timeout = ms_or(opts->connect_timeout_ms, s.connect_timeout, 1, "connect_timeout_ms");
  s.command_timeout = ms_or(opts->command_timeout_ms, s.command_timeout, 1, "command_timeout_ms");
  s.poll_interval = ms_or(opts->poll_interval_ms, s.poll_interval, 10, "poll_interval_ms");
  s.heartbeat = ms_or(opts->heartbeat_ms, s.heartbeat, 10, "heartbeat_ms");
  s.reconnect_max = ms_or(opts->reconnect_max_ms, s.reconnect_max, 10, "reconnect_max_ms");
  if (opts->last_known_good_path) {
    if (*opts->last_known_good_path == '\0') throw Error(OMEGA_E_INVALID_ARG, "last_known_good_path is empty");
    s.lkg_path = opts->last_known_good_path;
  }
  if (opts->max_snapshot_bytes) s.max_bytes = opts->max_snapshot_bytes;
  return s;
}

}  // namespace omega
