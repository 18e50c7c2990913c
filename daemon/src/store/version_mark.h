// The version high-water mark, persisted next to the .env ("<env>.version") so versions never
// go backwards across writer restarts or Redis data loss. Written durably before a new version
// is published.
#pragma once

#include <cstdint>
#include <string>

namespace omega::settingsd {

class VersionMark {
 public:
  explicit VersionMark(std::string env_path) : path_(std::move(env_path) + ".version") {}

  // The stored mark, 0 when the file does not exist yet. False + *error if unreadable/corrupt.
  bool load(uint64_t* out, std::string* error) const;
  // step_prefix names the failpoints of this write ("patch.version" -> ".written", ".synced").
  bool store(uint64_t version, const std::string& step_prefix, std::string* error) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace omega::settingsd
