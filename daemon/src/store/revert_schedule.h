// Temporary changes waiting to be reverted ("revert_after_s" on a patch), durable in
// "<env>.reverts.json" beside the .env, mode 0600 (a value to restore may be a secret),
// replaced atomically (common/atomic_file.h) on every change:
//
//   {"reverts":[{"version":"N","actor":"alice","revert_at":"…Z","revert_at_ms":1764…,
//                "keys":{"KEY":{"patched":".env text"|null,"restore":".env text"|null}…}}…]}
//
// "patched" is what the temporary patch set (null: unset), "restore" what to put back. The
// writer (writer/reverts.cc) decides when a revert fires and what it changes; this only keeps
// the list. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace omega::settingsd {

struct RevertKey {
  std::optional<std::string> patched;  // nullopt: the patch unset the key
  std::optional<std::string> restore;  // nullopt: unset it again
  bool operator==(const RevertKey& o) const { return patched == o.patched && restore == o.restore; }
};

struct PendingRevert {
  uint64_t version = 0;  // the version the temporary patch created
  std::string actor;
  int64_t revert_at_ms = 0;  // Unix milliseconds
  std::map<std::string, RevertKey> keys;
};

class RevertSchedule {
 public:
  // Loads the file (absent: nothing pending). False + *error when it cannot be read or parsed.
  bool open(const std::string& path, std::string* error);
  // Replaces the file (atomically, 0600); the in-memory list is not touched. False + *error.
  bool write(const std::vector<PendingRevert>& all, std::string* error) const;
  // The list the file now holds becomes the current one.
  void install(std::vector<PendingRevert> all);
  // write() + install().
  bool replace(std::vector<PendingRevert> all, std::string* error);
  std::vector<PendingRevert> list() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  mutable std::mutex mu_;
  std::vector<PendingRevert> pending_;  // mu_, by revert time
};

}  // namespace omega::settingsd
