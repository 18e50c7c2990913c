#include "bench_redis.h"

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

static int free_port() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

BenchRedis::BenchRedis(std::vector<std::string> extra_args) : port_(free_port()) {
  std::vector<std::string> args = {"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                   "--save",       "",       "--appendonly",        "no",     "--logfile",
                                   "/dev/null"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    execvp("redis-server", argv.data());
    _exit(127);
  }
  for (int i = 0; i < 500; ++i) {
    redisContext* c = redisConnect("127.0.0.1", port_);
    bool up = c && !c->err;
    if (c) redisFree(c);
    if (up) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("redis-server did not start");
}

BenchRedis::~BenchRedis() {
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
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
