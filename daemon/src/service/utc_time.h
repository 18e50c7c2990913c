// Wall-clock time as RFC 3339 UTC with milliseconds (2026-11-30T03:00:00.123Z): audit records,
// history, meta, scheduled reverts and log lines.
#pragma once
#include <cstdint>
#include <string>

namespace omega::settingsd {

std::string utc_now_rfc3339();
// Milliseconds since the Unix epoch, now.
int64_t unix_now_ms();
// The RFC 3339 UTC text of a time given in Unix milliseconds.
std::string rfc3339_of_unix_ms(int64_t unix_ms);

}  // namespace omega::settingsd
