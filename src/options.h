// What a handle needs to know, resolved to concrete values (the C facade builds it from
// omega_cfg_options and checks every field; see c_adapters.cc).
#pragma once
#include <chrono>
#include <cstddef>
#include <string>

#include "redis_endpoint.h"
#include "wire_format.h"

namespace omega {

struct Options {
  redis::Endpoint endpoint;
  wire::Names names;
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{2000};
  std::chrono::milliseconds poll_interval{2000};
  std::chrono::milliseconds heartbeat{1000};
  std::chrono::milliseconds reconnect_max{2000};
  std::string lkg_path;  // "" = no last-known-good file
  size_t max_bytes = 16u << 20;
  std::string seal_key_path;  // "" = sealed values cannot be opened
  std::string service_name;   // "" = the program name
};

}  // namespace omega
