// Any bytes as a Redis URL: a clear OMEGA_E_BAD_URL, or an endpoint whose
// description never carries the password.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "errors.h"
#include "omega_config.h"
#include "redis_url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string url(reinterpret_cast<const char*>(data), size);
  try {
    omega::RedisEndpoint ep = omega::parse_redis_url(url);
    bool elsewhere = ep.host.find(ep.password) != std::string::npos || ep.path.find(ep.password) != std::string::npos;
    if (ep.password.size() >= 6 && !elsewhere && ep.describe().find(ep.password) != std::string::npos) std::abort();
    if (!ep.is_unix && (ep.port < 1 || ep.port > 65535 || ep.host.empty())) std::abort();
  } catch (const omega::Error& e) {
    if (e.code() != OMEGA_E_BAD_URL) std::abort();
  }
  return 0;
}
