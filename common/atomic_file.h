// Crash-safe whole-file replacement, the one way omega-config writes a file that matters (the
// daemon's .env, history and keys; a reader's last-known-good file): temp file beside the
// target + fsync + rename + directory fsync. After it returns true the new content survives a
// power cut; if the process dies before, the old file is still there, whole.
//
// Temp files are "<file>.tmp-<pid>-<n>", created exclusively (never through a planted
// symlink); remove_stale_temp_files clears what a crash left. Errors are errno text, never
// the content. Steps are failpoints named "<step_prefix>.<step>" (common/failpoint.h).
#pragma once
#include <string>

namespace omega::fs {

struct WriteOptions {
  unsigned mode = 0600;              // of a new file
  bool keep_existing_mode = true;    // false: always `mode` (a file of secrets stays 0600)
  std::string step_prefix = "file";  // failpoint names
};

bool write_atomically(const std::string& path, const std::string& content, const WriteOptions& opts,
                      std::string* error);

// The same write in two halves, so slow syncs of other files can run meanwhile.
// prepare_temp writes and fsyncs the temp file (the target is untouched) ...
bool prepare_temp(const std::string& path, const std::string& content, const WriteOptions& opts, std::string* tmp_path,
                  std::string* error);
// ... commit_temp renames it over path and fsyncs the directory (*renamed, optional, tells on
// failure whether the rename had happened) ... or discard_temp removes it.
bool commit_temp(const std::string& tmp_path, const std::string& path, const std::string& step_prefix,
                 std::string* error, bool* renamed = nullptr);
void discard_temp(const std::string& tmp_path);

// Removes "<file>.tmp-*" left behind by a crash. Returns how many.
int remove_stale_temp_files(const std::string& path);

// False (and *error) when it cannot be read. max_bytes: stop and fail past this size.
bool read_file(const std::string& path, std::string* out, std::string* error, size_t max_bytes = size_t(-1));

// "a/b/c" -> "a/b"; "c" -> "."; "/c" -> "/".
std::string dir_of(const std::string& path);

// fsync of the directory holding path (after a create or rename).
bool sync_dir_of(const std::string& path);

}  // namespace omega::fs
