#include "http/host_check.h"

#include <arpa/inet.h>

#include <cctype>
#include <optional>

namespace omega::settingsd {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// RFC 3986 reg-name as DNS uses it: letters, digits, '-', '.'.
bool is_name(const std::string& host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  return true;
}

bool is_port(const std::string& p) {
  if (p.empty() || p.size() > 5) return false;
  for (char c : p)
    if (c < '0' || c > '9') return false;
  long v = std::stol(p);
  return v >= 1 && v <= 65535;
}

// "name", "name:port", "1.2.3.4:port", "[v6]" or "[v6]:port" -> the host (lower case, no
// brackets), or nullopt when malformed.
std::optional<std::string> parse_host(const std::string& h) {
  std::string host, port;
  bool has_port = false;
  if (!h.empty() && h.front() == '[') {
    size_t close = h.find(']');
    if (close == std::string::npos) return std::nullopt;
    host = h.substr(1, close - 1);
    std::string rest = h.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1), has_port = true;
    }
    unsigned char buf[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET6, host.c_str(), buf) != 1) return std::nullopt;
  } else {
    size_t colon = h.find(':');
    host = h.substr(0, colon);
    if (colon != std::string::npos) port = h.substr(colon + 1), has_port = true;
    if (!is_name(host)) return std::nullopt;
  }
  if (has_port && !is_port(port)) return std::nullopt;
  return lower(host);
}

}  // namespace

HostCheck::HostCheck(const std::string& listen_host, const std::vector<std::string>& extra) {
  names_ = {"localhost"};
  for (const auto& name : extra) names_.insert(lower(name));
  if (!listen_host.empty() && !is_ip_literal(listen_host)) names_.insert(lower(listen_host));
}

std::optional<HttpResponse> HostCheck::refuse(const HttpRequest& req, const std::string& http_version) const {
  size_t count = req.headers.count("host");
  if (count > 1) return json_error(400, "bad_request", "more than one Host header");
  if (count == 0) {
    if (http_version == "HTTP/1.0") return std::nullopt;  // HTTP/1.0 may omit it; browsers never do
    return json_error(400, "bad_request", "an HTTP/1.1 request needs a Host header");
  }
  std::optional<std::string> host = parse_host(req.header("host"));
  if (!host) return json_error(400, "bad_request", "the Host header is malformed");
  if (is_ip_literal(*host) || names_.count(*host)) return std::nullopt;
  return json_error(421, "misdirected_request",
                    "this Host name is not served (DNS rebinding guard); add it with --allowed-host");
}

}  // namespace omega::settingsd
