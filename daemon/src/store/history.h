// The last N published versions, durable (writer guarantee 11): GET /config/history, diff and
// blame (masked) and rollback (full values). Kept in "<env>.history.jsonl" beside the .env,
// mode 0600 like it (it holds what the .env holds, secrets included), one JSON line per
// version:
//
//   {"version":"N","event":"updated","actor":"alice","written_at":"…Z","changed":["KEY"…],
//    "comment":"…"?,"secrets":["KEY"…],"config":{masked snapshot},"snapshot":{typed snapshot},
//    "env":{"KEY":".env text"…}}
//
// A mutation appends its line (write + fsync) before its commit point, overlapped with the
// audit and .env syncs; it becomes visible (committed()) only after the commit; a mutation
// that fails after the append cuts the line back (cut_back). A torn last line (a crash
// mid-append) is cut at open. A line for a version that never committed (a crash between
// the append and the .env rename) is dropped at start (drop_uncommitted). When the file holds
// more than twice the capacity it is rewritten atomically with the last N.
#pragma once

#include <sys/types.h>

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
  std::string event;  // updated | reload | rollback | boot | revert
  std::string actor;
  std::string written_at;
  std::vector<std::string> changed;
  std::string comment;                        // "" = none
  std::vector<std::string> secrets;           // the keys that were secret when recorded
  std::string masked_config_json;             // the masked snapshot object, as JSON text
  std::string snapshot_json;                  // the typed snapshot object (secrets in clear)
  std::map<std::string, std::string> values;  // the .env values of that version (secrets in clear)
};

class History {
 public:
  explicit History(size_t capacity) : capacity_(capacity ? capacity : 1) {}
  ~History();

  // Opens (creating, mode 0600) the file and loads its last `capacity` entries. A torn last
  // line is cut (*repaired: bytes cut). False + *error when it cannot be read or holds a
  // line that is not a history record.
  bool open(const std::string& path, std::string* error, size_t* repaired = nullptr);
  // At start: drops the newest entries that never committed: above the version mark, or
  // differing from the .env when the entry before them matches it (the .env kept the old
  // content: the rename never happened). Returns how many; the file is rewritten if any.
  size_t drop_uncommitted(uint64_t mark, const std::map<std::string, std::string>& env_values);

  // Where an appended line starts, to cut it back.
  struct Pending {
    off_t start = -1;
  };
  // Appends the entry's line and fsyncs; not visible until committed(). False + *error.
  bool append(const HistoryEntry& e, Pending* pending, std::string* error);
  // The mutation failed after append(): the line is removed from the file.
  void cut_back(const Pending& pending);
  // The entry's version is committed: it becomes visible, and the file is compacted when it
  // holds far more than the capacity.
  void committed(HistoryEntry e);
  // append() + committed() (seeding). The entry is kept in memory even if the file fails.
  bool record(HistoryEntry e, std::string* error);

  std::optional<HistoryEntry> find(uint64_t version) const;
  std::optional<HistoryEntry> newest() const;
  // Oldest first.
  std::vector<HistoryEntry> entries() const;
  // {"versions":[{version, event, actor, written_at, changed, comment?, config}...]} newest first.
  std::string render_json(size_t limit) const;
  // The versions held, as ranges: "3-102" or "1, 4-9" ("none" when empty).
  std::string describe_versions() const;
  const std::string& path() const { return path_; }

 private:
  bool rewrite_locked(std::string* error);
  void trim_locked();

  size_t capacity_;
  std::string path_;
  mutable std::mutex mu_;
  int fd_ = -1;                       // mu_
  size_t lines_in_file_ = 0;          // mu_
  std::deque<HistoryEntry> entries_;  // oldest first, mu_
};

// One entry as its history line (without the newline), and back.
std::string history_line(const HistoryEntry& e);
bool parse_history_line(const std::string& line, HistoryEntry* out);

}  // namespace omega::settingsd
