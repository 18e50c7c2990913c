#include "store/fleet_probe.h"

#include <thread>

#include "node_choice.h"
#include "redis_connection.h"

namespace omega::settingsd {
namespace {

std::string node_name(const redis::Endpoint& ep) { return ep.is_unix ? ep.path : redis::host_port(ep.host, ep.port); }

// CLIENT LIST (and, for the primary, INFO replication) on a connection of its own.
void ask(redis::Connection& conn, redis::Clock::time_point deadline, FleetNode* node,
         std::vector<NodeAddress>* replicas) {
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
}

}  // namespace

std::vector<FleetNode> FleetProbe::probe() const {
  std::vector<FleetNode> nodes(1);
  nodes[0].node = node_name(primary_);
  nodes[0].role = "primary";
  std::vector<NodeAddress> replicas;
  redis::Endpoint primary = primary_;  // through Sentinel or a cluster: the node found now
  try {
    auto deadline = redis::Clock::now() + timeout_;
    std::unique_ptr<redis::Connection> conn = redis::connect(primary_, redis::Route{routing_key_, ""}, -1, deadline);
    primary = conn->endpoint();
    nodes[0].node = node_name(primary);
    ask(*conn, deadline, &nodes[0], &replicas);
  } catch (const redis::ConnError& e) {
    nodes[0].error = e.what();
  }
  if (!nodes[0].error.empty()) return nodes;
  std::vector<std::thread> threads;
  nodes.resize(1 + replicas.size());
  for (size_t i = 0; i < replicas.size(); ++i) {
    redis::Endpoint ep = primary;  // the same credentials, database and TLS settings
    ep.is_unix = false;
    ep.host = replicas[i].host;
    ep.port = replicas[i].port;
    nodes[i + 1].node = node_name(ep);
    nodes[i + 1].role = "replica";
    threads.emplace_back([ep, this, node = &nodes[i + 1]] {
      try {
        auto deadline = redis::Clock::now() + timeout_;
        redis::Connection conn(ep, -1, deadline);
        ask(conn, deadline, node, nullptr);
      } catch (const redis::ConnError& e) {
        node->error = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  return nodes;
}

}  // namespace omega::settingsd
