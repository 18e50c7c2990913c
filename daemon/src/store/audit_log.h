// Append-only JSON-lines audit log, fsync'd per record, fail-closed (writer guarantee 5).
//
// Every mutation (patch, reload, rollback, a scheduled revert) appends one record, outcome "committed", before it
// changes anything; if the record cannot be written and synced, the caller refuses the
// mutation with 503. A mutation that then fails appends a second record, outcome "aborted",
// for the same request id: read together, the log says what happened, never more. Secret
// values never appear: a secret's old/new value is recorded as a keyed BLAKE2b hash (key in
// --audit-key-file), so equal values can be matched across records without revealing them;
// credentials inside URL-shaped values are masked.
//
// A torn last line (a crash or a full disk mid-append) is cut back at open; a failed append
// (EFBIG past `ulimit -f`, ENOSPC, EIO) is cut back at once, so every line parses.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include <cjson/cJSON.h>

namespace omega::settingsd {

struct AuditChange {
  std::string key;
  bool secret = false;
  const cJSON* old_value = nullptr;  // nullptr: the key was absent
  const cJSON* new_value = nullptr;
};

struct AuditRecord {
  std::string action;  // patch | reload | rollback
  std::string actor;
  std::string request_id;
  std::string source;
  uint64_t version_before = 0;
  uint64_t version_after = 0;
  std::vector<AuditChange> diff;
  std::string comment;  // why, as the request said ("" = none)
};

class AuditLog {
 public:
  // Opens (creating, mode 0600) the log, cutting back a torn last line, and loads or creates
  // the hash key. False + *error. *repaired (optional) tells how many bytes were cut.
  bool open(const std::string& path, const std::string& key_path, std::string* error, size_t* repaired = nullptr);
  // Opens the path again (after logrotate moved the file away: SIGHUP). False + *error.
  bool reopen(std::string* error);
  // Appends the record with outcome "committed" and fsyncs. False when it is not durable.
  bool append(const AuditRecord& record, std::string* error);
  // Appends outcome "aborted" for a record appended before (same request id), with why.
  bool append_aborted(const AuditRecord& record, const std::string& why, std::string* error);
  // The keyed hash used for secret values ("b2:" + hex).
  std::string secret_hash(const std::string& value) const;
  bool up() const { return up_.load(); }
  const std::string& path() const { return path_; }

 private:
  bool write_line(const std::string& line, std::string* error);
  cJSON* record_json(const AuditRecord& r, const char* outcome) const;

  std::mutex mu_;
  int fd_ = -1;  // guarded by mu_
  std::string path_;
  unsigned char key_[32] = {};
  std::atomic<bool> up_{false};
};

}  // namespace omega::settingsd
