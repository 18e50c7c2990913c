#include "service/utc_time.h"

#include <sys/time.h>

#include <cstdio>
#include <ctime>

namespace omega::settingsd {

std::string utc_now_rfc3339() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  gmtime_r(&tv.tv_sec, &tm);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(tv.tv_usec / 1000));
  return buf;
}

}  // namespace omega::settingsd
