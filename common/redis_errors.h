// How the connection layer fails.
#pragma once
#include <stdexcept>

namespace omega::redis {

// The connection failed: I/O error, timeout, TLS, protocol error, or an error reply during
// setup. The message names the endpoint and the cause, never a password.
class ConnError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The wake fd fired: the owner is shutting down.
class Stopped : public std::exception {};

}  // namespace omega::redis
