// Any bytes as a Redis URL: a clear OMEGA_E_BAD_URL, or an endpoint whose
// description (used in messages) does not depend on the credentials.
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
    // The description must not depend on the credentials at all.
    omega::RedisEndpoint other = ep;
    other.user = "u";
    other.password = "p";
    if (ep.describe() != other.describe()) std::abort();
    if (!ep.is_unix && (ep.port < 1 || ep.port > 65535 || ep.host.empty())) std::abort();
  } catch (const omega::Error& e) {
    if (e.code() != OMEGA_E_BAD_URL) std::abort();
  }
  return 0;
}
