// One synchronous hiredis 0.14 connection to the primary, reopened on demand.
//
// Not thread-safe: the publisher owns it and serializes every use under its own lock.
// hiredis 0.14 has no redisOptions and redisReconnect drops AUTH/SELECT and timeouts, so a
// broken connection is simply replaced by a new one that redoes all of it.
#pragma once

#include <string>
#include <vector>

struct redisContext;
struct redisReply;

namespace omega::settingsd {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string unix_path;  // unix:///path/to/sock
  std::string user;       // Redis 6 ACL user (AUTH user pass)
  std::string password;
  int db = 0;
};

// Parses redis://[[user]:password@]host[:port][/db] and unix:///path[?db=N].
bool parse_redis_url(const std::string &url, RedisAddress *out, std::string *error);

struct ReplyDeleter {
  void operator()(redisReply *r) const;
};

class RedisLink {
 public:
  explicit RedisLink(RedisAddress addr, int timeout_ms = 2000);
  ~RedisLink();
  RedisLink(const RedisLink &) = delete;
  RedisLink &operator=(const RedisLink &) = delete;

  // Connects if needed (AUTH + SELECT). False + last_error() when Redis is unreachable.
  bool ensure();
  // Sends several commands in one round trip and reads every reply. On an I/O or protocol
  // error the connection is dropped (the next call reconnects) and false is returned. A Redis
  // error reply is not a failure here: callers inspect each reply.
  bool pipeline(const std::vector<std::vector<std::string>> &commands, std::vector<redisReply *> *replies);
  void drop();
  const std::string &last_error() const { return error_; }

 private:
  RedisAddress addr_;
  int timeout_ms_;
  redisContext *ctx_ = nullptr;
  std::string error_;
};

// Frees a vector of replies from pipeline().
void free_replies(std::vector<redisReply *> *replies);

}  // namespace omega::settingsd
