// A private redis-server for a benchmark run, on a free loopback port.
#pragma once
#include <string>
#include <vector>

class BenchRedis {
 public:
  // Starts redis-server (with extra "--option", "value" arguments) and waits until it answers.
  explicit BenchRedis(std::vector<std::string> extra_args = {});
  ~BenchRedis();  // stops it
  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }
  // Publishes snapshot json as version v, the way a plain writer does.
  void publish(const std::string& json, long version);

 private:
  int port_;
  int pid_;
};
