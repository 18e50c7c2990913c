// One-line logging with a UTC timestamp, to stderr or a --log-file. Callers pass key names,
// never values.
#pragma once

#include <string>

namespace omega::settingsd {

void log_info(const std::string& message);
void log_warn(const std::string& message);
void log_error(const std::string& message);

// Sends stderr (our lines and libmicrohttpd's) to path, appending; called again on SIGHUP so
// logrotate can move the file away. False + *error, stderr unchanged.
bool redirect_log(const std::string& path, std::string* error);

}  // namespace omega::settingsd
