// DNS-rebinding guard: a web page whose name an attacker re-points at 127.0.0.1 can make a
// browser call this API, but the browser still sends the attacker's name as Host. Only
// loopback names, the --listen host and --allowed-host names are served; others get 421.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace omega::settingsd {

class HostCheck {
 public:
  // `listen_host` as given to --listen (brackets stripped); `extra` from --allowed-host.
  HostCheck(const std::string& listen_host, const std::vector<std::string>& extra);
  // The Host header value, with or without :port. An absent Host (HTTP/1.0) is allowed:
  // browsers always send one.
  bool allowed(const std::string& host_header, bool present) const;

 private:
  std::set<std::string> names_;  // lower case, IPv6 without brackets
};

}  // namespace omega::settingsd
