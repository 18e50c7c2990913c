#include "service/utc_time.h"

#include <sys/time.h>

#include <cstdio>
#include <ctime>

namespace omega::settingsd {

int64_t unix_now_ms() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  return static_cast<int64_t>(tv.tv_sec) * 1000 + tv.tv_usec / 1000;
}

std::string rfc3339_of_unix_ms(int64_t unix_ms) {
  time_t secs = static_cast<time_t>(unix_ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(unix_ms % 1000));
  return buf;
}

std::string utc_now_rfc3339() { return rfc3339_of_unix_ms(unix_now_ms()); }

}  // namespace omega::settingsd
