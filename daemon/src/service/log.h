// One-line stderr logging with a UTC timestamp. Callers pass key names, never values.
#pragma once

#include <string>

namespace omega::settingsd {

void log_info(const std::string& message);
void log_warn(const std::string& message);
void log_error(const std::string& message);

}  // namespace omega::settingsd
