#include "store/redis_health.h"

#include "node_choice.h"

namespace omega::settingsd {

RedisHealth::RedisHealth(redis::Endpoint endpoint, std::string routing_key, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), routing_key_(std::move(routing_key)), timeout_(timeout) {
  endpoint_.role = redis::Role::kPrimary;  // ready means: the primary answers
}

RedisHealth::~RedisHealth() = default;

bool RedisHealth::ping(std::string* why) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    auto deadline = redis::Clock::now() + timeout_;
    if (!conn_) conn_ = redis::connect(endpoint_, redis::Route{routing_key_, ""}, -1, deadline);
    redis::Reply r = conn_->command({"PING"}, deadline);
    if (r.is("PONG") && endpoint_.topology != redis::Topology::kStandalone) {
      // Sentinel and cluster: ready means this node is still the primary. One kept from
      // before a failover answers PING as a replica, but refuses writes.
      redis::Reply role = conn_->command({"ROLE"}, deadline);
      if (role.is_error() || (role.is_array() && role.size() > 0 && role[0].is("master"))) return true;
      *why = "Redis at " + conn_->where() + " is no longer the primary (a failover happened)";
    } else if (r.is("PONG")) {
      return true;
    } else {
      *why = "Redis did not answer PING: " +
             (r.is_error() ? "PING refused: " + std::string(r.text()) : std::string("unexpected PING reply"));
    }
  } catch (const redis::ConnError& e) {
    *why = std::string("Redis did not answer PING: ") + e.what();
  }
  conn_.reset();
  return false;
}

}  // namespace omega::settingsd
