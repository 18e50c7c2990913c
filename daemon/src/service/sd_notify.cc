// The sd_notify protocol (see sd_notify.h): a datagram of "KEY=value" lines.
#include "service/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace omega::settingsd {

bool sd_notify_send(const std::string& socket_name, const std::string& state) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // A path ("/run/systemd/notify") or an abstract name ("@..."); anything else is not ours.
  if (socket_name.size() < 2 || socket_name.size() > sizeof addr.sun_path ||
      (socket_name[0] != '/' && socket_name[0] != '@'))
    return false;
  std::memcpy(addr.sun_path, socket_name.data(), socket_name.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  // An abstract name is exactly its bytes: no terminating NUL counted in the length.
  socklen_t len = socklen_t(offsetof(sockaddr_un, sun_path) + socket_name.size());
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool sent = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), len) ==
              ssize_t(state.size());
  close(fd);
  return sent;
}

SystemdNotifier::SystemdNotifier() {
  if (const char* name = std::getenv("NOTIFY_SOCKET")) socket_ = name;
}

void SystemdNotifier::ready(const std::string& status) {
  if (socket_.empty() || ready_.exchange(true)) return;
  sd_notify_send(socket_, "READY=1\nSTATUS=" + status);
}

void SystemdNotifier::reloading() {
  if (socket_.empty() || !ready_) return;
  // systemd 253+ wants the time of the reload request with RELOADING=1; older ones ignore it.
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  long long usec = (long long)now.tv_sec * 1000000 + now.tv_nsec / 1000;
  sd_notify_send(socket_, "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void SystemdNotifier::reloaded() {
  if (socket_.empty() || !ready_) return;
  sd_notify_send(socket_, "READY=1");
}

void SystemdNotifier::stopping() {
  if (socket_.empty()) return;
  sd_notify_send(socket_, "STOPPING=1");
}

}  // namespace omega::settingsd
