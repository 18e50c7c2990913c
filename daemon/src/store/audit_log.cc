#include "store/audit_log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <sodium.h>

#include "atomic_file.h"
#include "digest.h"
#include "model/json_tree.h"
#include "model/redaction.h"
#include "service/utc_time.h"
#include "store/line_file.h"

namespace omega::settingsd {

bool AuditLog::open(const std::string& path, const std::string& key_path, std::string* error, size_t* repaired) {
  path_ = path;
  std::string key_text;
  struct stat st;
  if (stat(key_path.c_str(), &st) == 0) {
    if (!fs::read_file(key_path, &key_text, error, 4096)) return false;
    while (!key_text.empty() && (key_text.back() == '\n' || key_text.back() == '\r')) key_text.pop_back();
    size_t bin_len = 0;
    if (sodium_hex2bin(key_, sizeof key_, key_text.data(), key_text.size(), nullptr, &bin_len, nullptr) != 0 ||
        bin_len != sizeof key_) {
      *error = "audit key file " + key_path + " must hold 64 hex digits";
      return false;
    }
  } else {
    randombytes_buf(key_, sizeof key_);
    if (!fs::write_atomically(key_path, to_hex(key_, sizeof key_) + "\n", {0600, true, "audit_key"}, error))
      return false;
  }
  fd_ = open_line_file(path, false);
  if (fd_ < 0) {
    *error = "cannot open audit log " + path + ": " + std::strerror(errno);
    return false;
  }
  long cut = cut_torn_tail(fd_);
  if (cut < 0) {
    *error = "cannot repair the torn last line of the audit log " + path + ": " + std::strerror(errno);
    return false;
  }
  if (repaired) *repaired = static_cast<size_t>(cut);
  up_ = true;
  return true;
}

bool AuditLog::reopen(std::string* error) {
  int fd = open_line_file(path_, false);
  if (fd < 0) {
    *error = "cannot open audit log " + path_ + ": " + std::strerror(errno);
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  up_ = true;
  return true;
}

std::string AuditLog::secret_hash(const std::string& value) const {
  unsigned char out[16];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(value.data()), value.size(), key_,
                     sizeof key_);
  return "b2:" + to_hex(out, sizeof out);
}

cJSON* AuditLog::record_json(const AuditRecord& r, const char* outcome) const {
  cJSON* rec = cJSON_CreateObject();
  cJSON_AddStringToObject(rec, "time", utc_now_rfc3339().c_str());
  cJSON_AddStringToObject(rec, "action", r.action.c_str());
  cJSON_AddStringToObject(rec, "outcome", outcome);
  cJSON_AddStringToObject(rec, "actor", r.actor.c_str());
  cJSON_AddStringToObject(rec, "request_id", r.request_id.c_str());
  cJSON_AddStringToObject(rec, "source", r.source.c_str());
  cJSON_AddStringToObject(rec, "version_before", std::to_string(r.version_before).c_str());
  cJSON_AddStringToObject(rec, "version_after", std::to_string(r.version_after).c_str());
  if (!r.comment.empty()) cJSON_AddStringToObject(rec, "comment", r.comment.c_str());
  return rec;
}

bool AuditLog::append(const AuditRecord& r, std::string* error) {
  JsonPtr rec(record_json(r, "committed"));
  cJSON* diff = cJSON_AddArrayToObject(rec.get(), "diff");
  for (const AuditChange& c : r.diff) {
    cJSON* item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "key", c.key.c_str());
    auto put = [&](const char* name, const cJSON* v) {
      if (!v) {
        cJSON_AddNullToObject(item, name);
      } else if (c.secret) {
        // Hash the JSON text so a string "1" and a number 1 do not collide.
        cJSON_AddStringToObject(item, name, secret_hash(json_print(v)).c_str());
      } else {
        cJSON_AddItemToObject(item, name, masked_urls(v));
      }
    };
    if (c.secret) cJSON_AddBoolToObject(item, "secret", true);
    put("old", c.old_value);
    put("new", c.new_value);
    cJSON_AddItemToArray(diff, item);
  }
  return write_line(json_print(rec.get()) + "\n", error);
}

bool AuditLog::append_aborted(const AuditRecord& r, const std::string& why, std::string* error) {
  JsonPtr rec(record_json(r, "aborted"));
  cJSON_AddStringToObject(rec.get(), "reason", why.c_str());
  return write_line(json_print(rec.get()) + "\n", error);
}

bool AuditLog::write_line(const std::string& line, std::string* error) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) fd_ = open_line_file(path_, false);
  off_t start = -1;
  if (fd_ >= 0 && append_line(fd_, line, &start, "audit.partial_write")) {
    up_ = true;
    return true;
  }
  *error = "cannot write the audit log " + path_ + ": " + std::strerror(errno);
  // Reopen next time: the file may have been rotated or the disk freed.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  up_ = false;
  return false;
}

}  // namespace omega::settingsd
