// Tells systemd how the service is doing (Type=notify) without libsystemd: each state is one
// datagram to the unix socket named by $NOTIFY_SOCKET (a name starting with '@' is in the
// abstract namespace). Without the variable (not started by systemd) every call does nothing.
#pragma once

#include <atomic>
#include <string>

namespace omega::settingsd {

// Sends `state` ("READY=1", "STATUS=...", lines joined by '\n') to the socket. False when
// there is no socket or the send failed; the daemon carries on either way.
bool sd_notify_send(const std::string& socket_name, const std::string& state);

class SystemdNotifier {
 public:
  SystemdNotifier();  // reads $NOTIFY_SOCKET once

  // READY=1 with a STATUS= line, the first time only: the reconciler may call it every pass.
  void ready(const std::string& status);
  // Around SIGHUP: RELOADING=1, then READY=1 again; nothing before the first ready().
  void reloading();
  void reloaded();
  // STOPPING=1: the daemon is finishing its requests in flight.
  void stopping();

 private:
  std::string socket_;
  std::atomic<bool> ready_{false};
};

}  // namespace omega::settingsd
