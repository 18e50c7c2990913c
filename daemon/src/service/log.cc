// stderr logger: one write(2) per line so lines from threads never interleave.
#include "service/log.h"

#include <unistd.h>

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

}  // namespace omega::settingsd
