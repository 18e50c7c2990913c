// Wall-clock time as RFC 3339 UTC with milliseconds (2026-11-30T03:00:00.123Z): audit records,
// history, meta and log lines.
#pragma once
#include <string>

namespace omega::settingsd {

std::string utc_now_rfc3339();

}  // namespace omega::settingsd
