// The version high-water mark, persisted next to the .env ("<env>.version") so versions
// never go backwards across writer restarts or Redis data loss. Written durably (fixed-width
// overwrite + fdatasync) before a new version is published.
#pragma once

#include <cstdint>
#include <string>

namespace omega::settingsd {

class VersionStore {
 public:
  explicit VersionStore(std::string env_path) : path_(std::move(env_path) + ".version") {}

  // The stored mark, 0 when the file does not exist yet. False + *error if unreadable/corrupt.
  bool load(uint64_t *out, std::string *error) const;
  // `failpoint_prefix` names the crash points of this write (e.g. "patch.version").
  bool store(uint64_t version, std::string *error, const char *failpoint_prefix = "seed.version") const;
  const std::string &path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace omega::settingsd
