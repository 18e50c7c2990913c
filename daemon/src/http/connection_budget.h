// Who may hold a connection (writer guarantee 8): a total, a share per client address, and a
// reserve for the probe paths. Per-address shares do not apply to loopback addresses, where
// every local client (sidecar, probe, omegactl) shares one address: a few slow local clients
// must not lock out the rest. Plain counting, not thread-safe: the server calls it under its
// lock.
#pragma once

#include <map>
#include <string>

namespace omega::settingsd {

class ConnectionBudget {
 public:
  static constexpr int kProbeReserve = 8;  // connections kept for health, readiness, metrics

  ConnectionBudget(int max_connections, int per_address) : max_(max_connections), per_address_(per_address) {}

  // May a client at this address open one more connection?
  bool may_open(const std::string& address, bool loopback) const;
  void opened(const std::string& address, bool loopback);
  void closed(const std::string& address, bool loopback);
  // With `probes` connections serving probe paths, are the others over max_connections?
  bool over_capacity(int probes) const { return open_ - probes > max_; }
  // libmicrohttpd's own hard limit: the budget plus the probe reserve.
  int hard_limit() const { return max_ + kProbeReserve; }

 private:
  int max_;
  int per_address_;
  int open_ = 0;
  std::map<std::string, int> by_address_;  // non-loopback only
};

}  // namespace omega::settingsd
