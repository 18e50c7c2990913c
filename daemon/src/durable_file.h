// Crash-safe whole-file replacement: temp file + fsync + rename + directory fsync.
//
// After write_file_durably returns true the new content survives a power cut; if the
// process dies at any point before, the old file is still there, whole. Temp files are
// named "<file>.tmp-<pid>-<n>" beside the target so the rename never crosses devices.
#pragma once

#include <string>

namespace omega::settingsd {

// Replaces `path` with `content` (mode `mode` for a new file; an existing file keeps its
// mode). `failpoint_prefix` names the crash points of this write, e.g. "patch.env".
// On failure returns false and sets *error (errno text, never the content).
bool write_file_durably(const std::string &path, const std::string &content, unsigned mode,
                        const char *failpoint_prefix, std::string *error);

// The same write in two halves, so slow syncs of other files can run meanwhile:
// prepare_temp creates, writes and fsyncs "<path>.tmp-*" (the target is untouched);
// commit_temp renames it over `path` and fsyncs the directory; discard_temp removes it.
bool prepare_temp(const std::string &path, const std::string &content, unsigned mode, const char *failpoint_prefix,
                  std::string *tmp_path, std::string *error);
// *renamed (optional) tells, on failure, whether the rename had already happened.
bool commit_temp(const std::string &tmp_path, const std::string &path, const char *failpoint_prefix,
                 std::string *error, bool *renamed = nullptr);
void discard_temp(const std::string &tmp_path);

// Removes "<file>.tmp-*" left behind by a crash. Returns how many were removed.
int remove_stale_temp_files(const std::string &path);

// Reads a whole file. False (and *error) when it cannot be read.
bool read_whole_file(const std::string &path, std::string *out, std::string *error);

}  // namespace omega::settingsd
