// Any bytes as a Redis URL: a clear UrlError, or an endpoint whose description (used in
// messages) does not depend on the credentials.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "redis_endpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string url(reinterpret_cast<const char*>(data), size);
  try {
    omega::redis::Endpoint ep = omega::redis::parse_url(url);
    // The description must not depend on the credentials at all.
    omega::redis::Endpoint other = ep;
    other.user = "u";
    other.password = "p";
    if (ep.describe() != other.describe()) std::abort();
    if (!ep.is_unix && (ep.port < 1 || ep.port > 65535 || ep.host.empty())) std::abort();
  } catch (const omega::redis::UrlError&) {
  }
  return 0;
}
