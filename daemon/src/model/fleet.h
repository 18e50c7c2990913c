// The fleet of readers as Redis sees it: what CLIENT LIST and INFO replication say, and the
// names readers give their subscriber connection (CLIENT SETNAME
// omega:<service>:<host>:<pid>:v<version>:<STATE>). Pure parsing and the GET /config/readers
// document; store/fleet_probe.h asks the nodes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace omega::settingsd {

// One line of CLIENT LIST.
struct ClientInfo {
  std::string addr;
  std::string name;
  int64_t idle_s = 0;
  int64_t sub = 0;   // channels subscribed
  int64_t psub = 0;  // patterns subscribed
};
std::vector<ClientInfo> parse_client_list(std::string_view text);

// The replicas INFO replication names on a primary (slaveN:ip=…,port=…).
struct NodeAddress {
  std::string host;
  int port = 0;
};
std::vector<NodeAddress> parse_replicas(std::string_view info_replication);

// omega:<service>:<host>:<pid>:v<version>:<READY|STALE|ERROR>; the host may hold ':' (IPv6),
// the service may not. nullopt for any other name.
struct ReaderName {
  std::string service;
  std::string host;
  int64_t pid = 0;
  uint64_t version = 0;
  std::string state;
};
std::optional<ReaderName> parse_reader_name(std::string_view name);

// What one node answered (error non-empty: it could not be asked).
struct FleetNode {
  std::string node;  // host:port
  std::string role;  // primary | replica
  std::string error;
  std::vector<ClientInfo> clients;
};

struct FleetSummary {
  std::map<std::pair<uint64_t, std::string>, int> readers;  // (version, state) -> count
  int unnamed_subscribers = 0;
};
FleetSummary summarize(const std::vector<FleetNode>& nodes);

// {"readers":[{service,host,pid,version,state,addr,node,idle_s}…],"by_version":{"N":n},
//  "unnamed_subscribers":n,"nodes":[{node,role,error?}…]}
std::string fleet_json(const std::vector<FleetNode>& nodes);

}  // namespace omega::settingsd
