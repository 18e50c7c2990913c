#include "bench_redis.h"

#include <hiredis/hiredis.h>

#include <chrono>
#include <stdexcept>
#include <thread>

BenchRedis::BenchRedis(std::vector<std::string> extra_args) : port_(free_port()) {
  std::vector<std::string> args = {"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                   "--save",       "",       "--appendonly",        "no"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<ChildProcess>(args);
  for (int i = 0; i < 500; ++i) {
    redisContext* c = redisConnect("127.0.0.1", port_);
    bool up = c && !c->err;
    if (c) redisFree(c);
    if (up) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("redis-server did not start");
}

void BenchRedis::publish(const std::string& json, long version) {
  thread_local redisContext* c = nullptr;
  if (c == nullptr) c = redisConnect("127.0.0.1", port_);
  std::string v = std::to_string(version);
  freeReplyObject(redisCommand(c, "MULTI"));
  freeReplyObject(redisCommand(c, "SET omega:config %b", json.data(), json.size()));
  freeReplyObject(redisCommand(c, "SET omega:config:version %s", v.c_str()));
  freeReplyObject(redisCommand(c, "PUBLISH config_channel %s", "{\"event\":\"updated\"}"));
  freeReplyObject(redisCommand(c, "EXEC"));
}
