// omega_cfg_options, checked and resolved to concrete values.
#pragma once
#include <chrono>
#include <string>

#include "omega_config.h"
#include "redis_url.h"
#include "wire.h"

namespace omega {

struct Settings {
  RedisEndpoint endpoint;
  WireNames names;
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{2000};
  std::chrono::milliseconds poll_interval{2000};
  std::chrono::milliseconds heartbeat{1000};
  std::chrono::milliseconds reconnect_max{2000};
  std::string lkg_path;
  size_t max_bytes = 16u << 20;

  // opts may be NULL. Throws Error(OMEGA_E_INVALID_ARG or OMEGA_E_BAD_URL).
  static Settings from(const omega_cfg_options* opts);
};

}  // namespace omega
