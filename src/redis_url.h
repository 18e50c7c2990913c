// redis://[user:password@]host[:port][/db] and unix:///path.sock?db=N URLs.
#pragma once
#include <string>
#include <string_view>

namespace omega {

struct RedisEndpoint {
  bool is_unix = false;
  std::string host = "127.0.0.1";  // without IPv6 brackets
  int port = 6379;
  std::string path;  // unix socket
  int db = 0;
  std::string user;  // empty: AUTH with the password alone
  std::string password;

  // For messages: never includes the password.
  std::string describe() const;
};

// Throws Error(OMEGA_E_BAD_URL) saying what is wrong (never echoing a password).
RedisEndpoint parse_redis_url(std::string_view url);

}  // namespace omega
