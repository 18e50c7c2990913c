#include "store/redis_health.h"

namespace omega::settingsd {

RedisHealth::RedisHealth(redis::Endpoint endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {}

RedisHealth::~RedisHealth() = default;

bool RedisHealth::ping(std::string* why) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    auto deadline = redis::Clock::now() + timeout_;
    if (!conn_) conn_ = std::make_unique<redis::Connection>(endpoint_, -1, deadline);
    redis::Reply r = conn_->command({"PING"}, deadline);
    if (r.is("PONG")) return true;
    *why = r.is_error() ? "PING refused: " + std::string(r.text()) : "unexpected PING reply";
  } catch (const redis::ConnError& e) {
    *why = e.what();
  }
  conn_.reset();
  return false;
}

}  // namespace omega::settingsd
