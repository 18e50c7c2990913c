#include "client_name.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace omega {
namespace {

std::string clean(const std::string& s, const char* fallback) {
  std::string out;
  for (char c : s.substr(0, 64))
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ? c : '_';
  return out.empty() ? fallback : out;
}

const char* state_name(ReaderState s) {
  switch (s) {
    case ReaderState::kReady: return "READY";
    case ReaderState::kStale: return "STALE";
    case ReaderState::kError: return "ERROR";
  }
  return "UNKNOWN";
}

}  // namespace

ClientNamer::ClientNamer(const std::string& service) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  prefix_ = "omega:" + clean(service.empty() ? program_invocation_short_name : service, "unknown") + ":" +
            clean(host, "unknown") + ":" + std::to_string(getpid());
}

std::string ClientNamer::reader_name(int64_t version, ReaderState state) const {
  return prefix_ + ":v" + std::to_string(version) + ":" + state_name(state);
}

}  // namespace omega
