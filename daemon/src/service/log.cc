// stderr logger: one write(2) per line so lines from threads never interleave.
#include "service/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "service/utc_time.h"

namespace omega::settingsd {
namespace {
void emit(const char* level, const std::string& message) {
  std::string line = utc_now_rfc3339() + " omega-settingsd " + level + ": " + message + "\n";
  ssize_t ignored = write(2, line.data(), line.size());
  (void)ignored;
}
}  // namespace

void log_info(const std::string& m) { emit("info", m); }
void log_warn(const std::string& m) { emit("warn", m); }
void log_error(const std::string& m) { emit("error", m); }

bool redirect_log(const std::string& path, std::string* error) {
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    *error = "cannot open the log file " + path + ": " + std::strerror(errno);
    return false;
  }
  bool ok = dup2(fd, 2) == 2;  // atomic: a concurrent line goes to the old file or the new one
  int saved = errno;
  close(fd);
  if (!ok) *error = "cannot redirect the log to " + path + ": " + std::strerror(saved);
  return ok;
}

}  // namespace omega::settingsd
