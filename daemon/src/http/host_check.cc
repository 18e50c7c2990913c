// Host header allow-list (see host_check.h).
#include "http/host_check.h"

#include <cctype>

namespace omega::settingsd {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower((unsigned char)c));
  return s;
}

// "name", "name:port", "[v6]" or "[v6]:port" -> "name" / "v6"; "" when malformed.
std::string host_part(const std::string& h) {
  if (!h.empty() && h.front() == '[') {
    size_t close = h.find(']');
    if (close == std::string::npos) return "";
    std::string rest = h.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return "";
    return h.substr(1, close - 1);
  }
  size_t colon = h.find(':');
  if (colon != std::string::npos && h.find(':', colon + 1) != std::string::npos) return h;  // bare IPv6
  return h.substr(0, colon);
}

}  // namespace

HostCheck::HostCheck(const std::string& listen_host, const std::vector<std::string>& extra) {
  names_ = {"127.0.0.1", "localhost", "::1"};
  if (!listen_host.empty()) names_.insert(lower(host_part(listen_host)));
  for (const auto& e : extra)
    if (!e.empty()) names_.insert(lower(host_part(e)));
}

bool HostCheck::allowed(const std::string& host_header, bool present) const {
  if (!present) return true;
  std::string h = host_header;
  while (!h.empty() && std::isspace((unsigned char)h.back())) h.pop_back();
  while (!h.empty() && std::isspace((unsigned char)h.front())) h.erase(0, 1);
  std::string name = lower(host_part(h));
  return !name.empty() && names_.count(name) > 0;
}

}  // namespace omega::settingsd
