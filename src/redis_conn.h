// One hiredis 0.14 connection driven without ever blocking past a deadline.
//
// hiredis' blocking calls cannot be interrupted, and its redisReconnect drops
// timeouts, AUTH, SELECT and subscriptions. So every connection here is
// non-blocking: connect, write and read all wait in poll() on the socket *and*
// the owner's wake fd, with a deadline. A wake-up throws Stopped, which is how
// omega_cfg_close returns promptly even while Redis is hung.
#pragma once
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "redis_url.h"

struct redisContext;
struct redisReply;

namespace omega {

using Clock = std::chrono::steady_clock;

// The connection failed (I/O error, timeout, error reply during setup).
class ConnError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// The wake fd fired: the owner is shutting down.
class Stopped : public std::exception {};

struct ReplyDeleter {
  void operator()(redisReply* r) const;
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

class RedisConn {
 public:
  // Connects, then AUTH and SELECT as the endpoint says, before the deadline.
  RedisConn(const RedisEndpoint& ep, int wake_fd, Clock::time_point deadline);
  ~RedisConn();
  RedisConn(const RedisConn&) = delete;
  RedisConn& operator=(const RedisConn&) = delete;

  // Sends one command and waits for its reply. An error reply is returned,
  // not thrown; I/O failure or the deadline throws ConnError.
  Reply command(const std::vector<std::string>& argv, Clock::time_point deadline);
  // Sends several commands in one write and returns their replies in order.
  std::vector<Reply> pipeline(const std::vector<std::vector<std::string>>& cmds, Clock::time_point deadline);

  // For the subscriber: queue + flush a command without waiting for a reply.
  void send(const std::vector<std::string>& argv, Clock::time_point deadline);
  // Reads what the socket has (call when poll says readable). Throws ConnError on EOF.
  void read_available();
  // A reply already buffered, or null.
  Reply next_buffered();

  int fd() const;

 private:
  void append(const std::vector<std::string>& argv);
  void flush(Clock::time_point deadline);
  // Waits for fd to become readable (POLLIN) or writable (POLLOUT).
  void wait(short events, Clock::time_point deadline, const char* what);
  Reply read_reply(Clock::time_point deadline);

  redisContext* c_ = nullptr;
  int wake_fd_;
  std::string where_;
};

}  // namespace omega
