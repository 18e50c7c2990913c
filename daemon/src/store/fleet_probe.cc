#include "store/fleet_probe.h"

#include <thread>

#include "redis_connection.h"

namespace omega::settingsd {
namespace {

std::string node_name(const redis::Endpoint& ep) {
  if (ep.is_unix) return ep.path;
  bool v6 = ep.host.find(':') != std::string::npos;
  return (v6 ? "[" + ep.host + "]" : ep.host) + ":" + std::to_string(ep.port);
}

// CLIENT LIST (and, for the primary, INFO replication) on a connection of its own.
void ask(const redis::Endpoint& ep, std::chrono::milliseconds timeout, FleetNode* node,
         std::vector<NodeAddress>* replicas) {
  try {
    auto deadline = redis::Clock::now() + timeout;
    redis::Connection conn(ep, -1, deadline);
    std::vector<redis::Command> cmds = {{"CLIENT", "LIST"}};
    if (replicas) cmds.push_back({"INFO", "replication"});
    std::vector<redis::Reply> replies = conn.pipeline(cmds, deadline);
    for (const redis::Reply& r : replies)
      if (r.is_error()) {
        node->error = "refused: " + std::string(r.text());
        return;
      }
    node->clients = parse_client_list(replies[0].text());
    if (replicas) *replicas = parse_replicas(replies[1].text());
  } catch (const redis::ConnError& e) {
    node->error = e.what();
  }
}

}  // namespace

std::vector<FleetNode> FleetProbe::probe() const {
  std::vector<FleetNode> nodes(1);
  nodes[0].node = node_name(primary_);
  nodes[0].role = "primary";
  std::vector<NodeAddress> replicas;
  ask(primary_, timeout_, &nodes[0], &replicas);
  if (!nodes[0].error.empty()) return nodes;
  std::vector<std::thread> threads;
  nodes.resize(1 + replicas.size());
  for (size_t i = 0; i < replicas.size(); ++i) {
    redis::Endpoint ep = primary_;  // the same credentials, database and TLS settings
    ep.is_unix = false;
    ep.host = replicas[i].host;
    ep.port = replicas[i].port;
    nodes[i + 1].node = node_name(ep);
    nodes[i + 1].role = "replica";
    threads.emplace_back([ep, this, node = &nodes[i + 1]] { ask(ep, timeout_, node, nullptr); });
  }
  for (auto& t : threads) t.join();
  return nodes;
}

}  // namespace omega::settingsd
