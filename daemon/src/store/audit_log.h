// Append-only JSON-lines audit log, fsync'd per record, fail-closed.
//
// Every mutation (patch, reload, rollback) appends one record before it changes anything;
// if the record cannot be written and synced, the caller refuses the mutation with 503.
// Secret values never appear: a secret's old/new value is recorded as a keyed BLAKE2b hash
// (crypto_generichash with a key kept in --audit-key-file), so equal values can be matched
// across records without revealing them.
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
  std::string action;  // patch | reload | rollback | boot | reconcile
  std::string actor;
  std::string request_id;
  std::string source;
  uint64_t version_before = 0;
  uint64_t version_after = 0;
  std::vector<AuditChange> diff;
};

class AuditLog {
 public:
  // Opens (creating, mode 0600) the log and loads or creates the hash key. False + *error.
  bool open(const std::string& path, const std::string& key_path, std::string* error);
  // Appends one line and fsyncs. False when it could not be made durable.
  bool append(const AuditRecord& record, std::string* error);
  // The keyed hash used for secret values ("b2:" + hex).
  std::string secret_hash(const std::string& value) const;
  bool up() const { return up_.load(); }
  const std::string& path() const { return path_; }

 private:
  std::mutex mu_;
  int fd_ = -1;
  std::string path_;
  unsigned char key_[32] = {};
  std::atomic<bool> up_{false};
};

}  // namespace omega::settingsd
