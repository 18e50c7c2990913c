// Readiness's own view of Redis (writer guarantee 9): a PING with the command timeout on a
// connection of its own, so /readyz tells the truth about a hung Redis (SIGSTOP, a partition)
// within the timeout, and never waits behind a mutation holding the publisher.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "redis_connection.h"

namespace omega::settingsd {

class RedisHealth {
 public:
  // routing_key: a cluster's slot to ask about (the snapshot key).
  RedisHealth(redis::Endpoint endpoint, std::string routing_key, std::chrono::milliseconds timeout);
  ~RedisHealth();
  // True when Redis answered PING within the timeout (and, through Sentinel or a cluster, is
  // still the primary by ROLE); else false and why, a sentence.
  bool ping(std::string* why);

 private:
  redis::Endpoint endpoint_;
  std::string routing_key_;
  std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::unique_ptr<redis::Connection> conn_;  // guarded by mu_; dropped on any error
};

}  // namespace omega::settingsd
