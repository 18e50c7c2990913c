// A server process that a benchmark starts and stops (redis-server, etcd, omega-settingsd),
// bound to a free loopback port.
#pragma once
#include <string>
#include <vector>

// A free TCP port on 127.0.0.1 (bound once, then released for the child to take).
int free_port();

class ChildProcess {
 public:
  // Starts argv[0] (found on PATH) with its output sent to log_path (or /dev/null).
  explicit ChildProcess(std::vector<std::string> argv, const std::string& log_path = "/dev/null");
  ~ChildProcess();  // SIGTERM, then waits
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // Waits until port accepts a connection; throws if the child exited or after timeout_s.
  void wait_port(int port, double timeout_s = 20) const;

 private:
  int pid_;
  std::string name_;
};
