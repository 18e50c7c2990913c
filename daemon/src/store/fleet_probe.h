// Asks Redis which readers are connected (GET /config/readers, the readers gauge): CLIENT
// LIST and INFO replication on the primary (the --redis-url; through Sentinel or a cluster the
// node found now), then CLIENT LIST on every
// replica the primary names, each with the primary's credentials and TLS settings, on fresh
// connections with a short deadline. A node that cannot be asked is listed with its error.
// Redis ACL: +client|list +info for the writer's user.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "model/fleet.h"
#include "redis_endpoint.h"

namespace omega::settingsd {

class FleetProbe {
 public:
  // routing_key: the config key (a cluster's slot, see redis::Route).
  FleetProbe(redis::Endpoint primary, std::string routing_key, std::chrono::milliseconds timeout)
      : primary_(std::move(primary)), routing_key_(std::move(routing_key)), timeout_(timeout) {
    primary_.role = redis::Role::kPrimary;  // through Sentinel or a cluster: the primary, not a replica
  }
  // The primary first (its error set when it cannot be asked; then there are no replicas),
  // then the replicas, asked in parallel.
  std::vector<FleetNode> probe() const;

 private:
  redis::Endpoint primary_;
  std::string routing_key_;
  std::chrono::milliseconds timeout_;
};

}  // namespace omega::settingsd
