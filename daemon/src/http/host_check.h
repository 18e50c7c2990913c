// The Host header (writer guarantee 10). A Host that is an IP literal is always served: it
// cannot be DNS rebinding, and Kubernetes probes and Prometheus address a pod by its IP. A
// name must be a loopback name, the --listen host, or allow-listed with --allowed-host (421
// otherwise): a page whose name an attacker re-points at this address still sends that name.
// A malformed Host (bad port, spaces from a folded header, junk), two Host headers, and an
// HTTP/1.1 request without one are 400.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "http/message.h"

namespace omega::settingsd {

class HostCheck {
 public:
  // listen_host as given to --listen (brackets stripped); extra from --allowed-host.
  HostCheck(const std::string& listen_host, const std::vector<std::string>& extra);
  // The refusal to send (400 or 421), or nullopt when the request's Host is fine.
  // http_version: "HTTP/1.1", "HTTP/1.0".
  std::optional<HttpResponse> refuse(const HttpRequest& req, const std::string& http_version) const;

 private:
  std::set<std::string> names_;  // lower case, IPv6 without brackets
};

}  // namespace omega::settingsd
