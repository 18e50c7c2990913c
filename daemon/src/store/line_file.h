// Append-only files of whole lines (the audit log, the history): a line is in the file whole or
// not at all. A failed append is cut back at once; a crash mid-append leaves a torn last line,
// which cut_torn_tail removes when the file is opened again.
#pragma once

#include <sys/types.h>

#include <string>

namespace omega::settingsd {

// Opens for appending (and reading, to repair a torn tail), created 0600. private_mode: made
// 0600 even when it exists (a file that holds secrets). -1 and errno on failure.
int open_line_file(const std::string& path, bool private_mode);

// Cuts a torn last line (no newline at the end) back to the end of the last whole line.
// Returns the bytes cut, or -1 (errno) when the file cannot be read or truncated.
long cut_torn_tail(int fd);

// Appends line (ending in '\n') and fsyncs it. *start: the offset the line starts at. On
// failure cuts the file back to *start, keeps the failure's errno and returns false.
// torn_failpoint: names a failpoint with which a test build simulates a short write ("": none).
bool append_line(int fd, const std::string& line, off_t* start, const std::string& torn_failpoint = "");

}  // namespace omega::settingsd
