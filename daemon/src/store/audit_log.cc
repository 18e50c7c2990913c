#include "store/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <sodium.h>

#include "atomic_file.h"
#include "digest.h"
#include "failpoint.h"
#include "model/json_tree.h"
#include "model/redaction.h"
#include "service/utc_time.h"

namespace omega::settingsd {
namespace {

int open_for_append(const std::string& path) {
  return ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);  // read: to repair a torn tail
}

// Cuts a torn last line (no newline at the end) back to the end of the last whole record.
// Returns the bytes cut, or -1 when the file cannot be read or truncated.
long cut_torn_tail(int fd) {
  off_t size = ::lseek(fd, 0, SEEK_END);
  if (size <= 0) return size < 0 ? -1 : 0;
  off_t end = size;
  char buf[4096];
  while (end > 0) {
    off_t from = end > static_cast<off_t>(sizeof buf) ? end - static_cast<off_t>(sizeof buf) : 0;
    ssize_t n = ::pread(fd, buf, static_cast<size_t>(end - from), from);
    if (n != end - from) return -1;
    for (ssize_t i = n - 1; i >= 0; --i) {
      if (buf[i] != '\n') continue;
      off_t keep = from + i + 1;
      if (keep == size) return 0;
      return ::ftruncate(fd, keep) == 0 && ::fsync(fd) == 0 ? static_cast<long>(size - keep) : -1;
    }
    end = from;
  }
  return ::ftruncate(fd, 0) == 0 && ::fsync(fd) == 0 ? static_cast<long>(size) : -1;
}

}  // namespace

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
  fd_ = open_for_append(path);
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
  int fd = open_for_append(path_);
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
  if (fd_ < 0) fd_ = open_for_append(path_);
  bool ok = fd_ >= 0;
  // Where this record starts, so a failed write can be cut back to whole lines (on a device
  // such as /dev/full the ftruncate below just fails: there is nothing to restore).
  off_t start = ok ? ::lseek(fd_, 0, SEEK_END) : -1;
  size_t done = 0;
  while (ok && done < line.size()) {
    size_t want = line.size() - done;
    bool torn = failpoint_fails("audit.partial_write");
    if (torn) want = want / 2;  // a test build simulates a short write, then an error
    ssize_t n = ::write(fd_, line.data() + done, want);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) done += static_cast<size_t>(n);
    if (n <= 0 || torn) {
      if (torn) errno = EIO;
      ok = false;  // EFBIG past `ulimit -f` (SIGXFSZ is ignored), ENOSPC, EIO
    }
  }
  if (ok && ::fsync(fd_) != 0 && errno != EINVAL) ok = false;  // EINVAL: a device like /dev/null
  if (ok) {
    up_ = true;
    return true;
  }
  int saved = errno;
  // Leave no torn line: the next record must start on a line of its own.
  if (fd_ >= 0 && start >= 0 && ::ftruncate(fd_, start) == 0) ::fsync(fd_);
  *error = "cannot write the audit log " + path_ + ": " + std::strerror(saved);
  // Reopen next time: the file may have been rotated or the disk freed.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  up_ = false;
  return false;
}

}  // namespace omega::settingsd
