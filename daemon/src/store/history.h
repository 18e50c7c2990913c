// The last N published versions, for GET /config/history (masked) and rollback (full values,
// kept in memory only: they include secrets, which never leave the process in clear).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace omega::settingsd {

struct HistoryEntry {
  uint64_t version = 0;
  std::string event;
  std::string actor;
  std::string written_at;
  std::vector<std::string> changed;
  std::string masked_config_json;             // the masked snapshot object, as JSON text
  std::map<std::string, std::string> values;  // the .env values of that version (secrets in clear)
};

class History {
 public:
  explicit History(size_t capacity) : capacity_(capacity) {}
  void add(HistoryEntry e);
  std::optional<HistoryEntry> find(uint64_t version) const;
  // {"versions":[{version, event, actor, written_at, changed, config}...]} newest first.
  std::string render_json(size_t limit) const;

 private:
  size_t capacity_;
  mutable std::mutex mu_;
  std::deque<HistoryEntry> entries_;  // oldest first
};

}  // namespace omega::settingsd
