// Where a Redis is and how to log in: the one parser of Redis URLs (fuzzed by
// fuzz/fuzz_redis_endpoint.cc), shared by the reader core and the daemon.
//
//   redis://[[user]:password@]host[:port][/db][?db=N&user=U&password=P]
//   redis://[::1]:6379/0
//   unix:///path/redis.sock[?db=N&user=U&password=P]
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

namespace omega::redis {

// The URL cannot be used; the message says why and never echoes a password.
class UrlError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

constexpr int kMaxDb = 1000000;

struct Endpoint {
  bool is_unix = false;
  std::string host = "127.0.0.1";  // without IPv6 brackets
  int port = 6379;
  std::string path;  // unix socket
  int db = 0;
  std::string user;  // empty: AUTH with the password alone
  std::string password;

  // For messages and logs: never includes credentials.
  std::string describe() const;
};

// Throws UrlError.
Endpoint parse_url(std::string_view url);

}  // namespace omega::redis
