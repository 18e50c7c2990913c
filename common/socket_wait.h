// The one way the connection layer waits: poll() on a socket and an optional wake fd, with a
// deadline, so that every wait can be interrupted (close) and none outlives its deadline.
#pragma once
#include <chrono>
#include <string>

namespace omega::redis {

// Returns when fd is ready for `events` (POLLIN/POLLOUT) or failed; throws Stopped when
// wake_fd (-1: none) becomes readable and ConnError("timed out waiting for Redis at " + what)
// at the deadline.
void wait_fd(int fd, int wake_fd, short events, std::chrono::steady_clock::time_point deadline,
             const std::string& what);

}  // namespace omega::redis
