// Which Redis node a connection goes to (reader guarantee 13, "Scale beyond one machine").
//
//   standalone  the URL's host
//   Sentinel    the Sentinels are asked on every (re)connect, in random order until one
//               answers: the primary, or a healthy replica chosen at random (so a fleet spreads
//               over the replicas), the primary when no replica is healthy. The node reached
//               must then say, with ROLE, that it is what the Sentinel called it.
//   cluster     the node that owns the routing key's slot (CLUSTER KEYSLOT + CLUSTER SLOTS from
//               a seed, or the node a MOVED reply named), or one of its replicas in READONLY mode
//               when the role is replica.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "redis_connection.h"

namespace omega::redis {

// A reply that names another node for the key (cluster MOVED/ASK). The owner reconnects there.
class Redirected : public ConnError {
 public:
  Redirected(const std::string& what, std::string target) : ConnError(what), target_(std::move(target)) {}
  const std::string& target() const { return target_; }  // "host:port"; "" (ASK): ask the seeds again

 private:
  std::string target_;
};

// The Redis Cluster hash slot of a key: CRC16 of the key, or of its first non-empty {hash tag},
// modulo 16384.
int key_slot(std::string_view key);

// "" unless the endpoint is a cluster and the three keys a reader MGETs (and the writer
// commits in one MULTI/EXEC) fall in different slots; then what to do about it.
std::string cluster_slot_problem(const Endpoint& ep, std::string_view config_key, std::string_view version_key,
                                 std::string_view meta_key);

// Throws Redirected when r is a MOVED (target: the new owner) or ASK (target "": a migration in
// progress) error reply; otherwise does nothing.
void check_redirect(ReplyView r);

struct Route {
  std::string routing_key;  // cluster: the key whose slot decides the node (omega:config)
  std::string preferred;    // "host:port" a MOVED reply named, tried first; "" = none
};

// Connects to the node the endpoint names for this route: resolves, connects, logs in, checks
// the role (Sentinel) or enables replica reads (cluster). Throws ConnError saying what failed
// (no Sentinel answered, an unknown master name, a node whose ROLE disagrees) or Stopped.
// fell_back (optional): set when a replica was wanted but the primary was used, because no
// replica was healthy then (see should_move).
std::unique_ptr<Connection> connect(const Endpoint& ep, const Route& route, int wake_fd, Clock::time_point deadline,
                                    bool* fell_back = nullptr);

// Sentinel, for a reader connected to a primary (`node`): asks one Sentinel, chosen at random,
// and says why the reader should reconnect, or "" to stay. Two reasons:
// - fell_back and a healthy replica is named again: after a failover Sentinel reports the
//   replicas unhealthy for up to its INFO period (10 s), and a fleet that reconnected meanwhile
//   would otherwise stay on the primary for good;
// - the Sentinel names another primary: the node was demoted, or lost a double failover, and
//   still believes it is the primary (until Sentinel converts it, or for ever if Sentinel
//   cannot reach it): its readers would see no new version while saying READY.
// "" on any error (the reader stays where it is).
std::string should_move(const Endpoint& ep, const HostPort& node, bool fell_back, int wake_fd,
                        Clock::time_point deadline);

}  // namespace omega::redis
