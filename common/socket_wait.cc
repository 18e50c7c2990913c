#include "socket_wait.h"

#include <poll.h>

#include <cerrno>
#include <cstring>

#include "redis_errors.h"

namespace omega::redis {

void wait_fd(int fd, int wake_fd, short events, std::chrono::steady_clock::time_point deadline,
             const std::string& what) {
  for (;;) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) throw ConnError("timed out waiting for Redis at " + what);
    struct pollfd p[2] = {{fd, events, 0}, {wake_fd, POLLIN, 0}};
    int n = poll(p, wake_fd >= 0 ? 2 : 1, static_cast<int>(left));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw ConnError(std::string("poll: ") + std::strerror(errno));
    }
    if (wake_fd >= 0 && p[1].revents) throw Stopped();
    if (p[0].revents & (events | POLLERR | POLLHUP)) return;
  }
}

}  // namespace omega::redis
