// The durable version history (see history.h).
#include "store/history.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "atomic_file.h"
#include "model/json_tree.h"
#include "store/line_file.h"
#include "wire_format.h"

namespace omega::settingsd {
namespace {

cJSON* string_array(const std::vector<std::string>& items) {
  cJSON* arr = cJSON_CreateArray();
  for (const auto& s : items) cJSON_AddItemToArray(arr, cJSON_CreateString(s.c_str()));
  return arr;
}

bool read_string_array(const cJSON* arr, std::vector<std::string>* out) {
  if (!cJSON_IsArray(arr)) return false;
  const cJSON* item;
  cJSON_ArrayForEach(item, arr) {
    if (!cJSON_IsString(item)) return false;
    out->push_back(item->valuestring);
  }
  return true;
}

const char* text_of(const cJSON* root, const char* name) {
  const cJSON* v = cJSON_GetObjectItemCaseSensitive(root, name);
  return cJSON_IsString(v) ? v->valuestring : nullptr;
}

}  // namespace

std::string history_line(const HistoryEntry& e) {
  JsonPtr root(cJSON_CreateObject());
  cJSON_AddStringToObject(root.get(), "version", std::to_string(e.version).c_str());
  cJSON_AddStringToObject(root.get(), "event", e.event.c_str());
  cJSON_AddStringToObject(root.get(), "actor", e.actor.c_str());
  cJSON_AddStringToObject(root.get(), "written_at", e.written_at.c_str());
  cJSON_AddItemToObject(root.get(), "changed", string_array(e.changed));
  if (!e.comment.empty()) cJSON_AddStringToObject(root.get(), "comment", e.comment.c_str());
  cJSON_AddItemToObject(root.get(), "secrets", string_array(e.secrets));
  cJSON* config = parse_strict_json(e.masked_config_json, kDefaultJsonMaxDepth, nullptr);
  cJSON_AddItemToObject(root.get(), "config", config ? config : cJSON_CreateObject());
  cJSON* snapshot = parse_strict_json(e.snapshot_json, kDefaultJsonMaxDepth, nullptr);
  cJSON_AddItemToObject(root.get(), "snapshot", snapshot ? snapshot : cJSON_CreateObject());
  cJSON* env = cJSON_AddObjectToObject(root.get(), "env");
  for (const auto& [k, v] : e.values) cJSON_AddStringToObject(env, k.c_str(), v.c_str());
  return json_print(root.get());
}

bool parse_history_line(const std::string& line, HistoryEntry* out) {
  JsonPtr root(parse_strict_json(line, kDefaultJsonMaxDepth, nullptr));
  if (!cJSON_IsObject(root.get())) return false;
  HistoryEntry e;
  const char* version = text_of(root.get(), "version");
  std::optional<uint64_t> v = version ? wire::parse_version(version) : std::nullopt;
  const char* event = text_of(root.get(), "event");
  const char* actor = text_of(root.get(), "actor");
  const char* written_at = text_of(root.get(), "written_at");
  const cJSON* config = cJSON_GetObjectItemCaseSensitive(root.get(), "config");
  const cJSON* snapshot = cJSON_GetObjectItemCaseSensitive(root.get(), "snapshot");
  const cJSON* env = cJSON_GetObjectItemCaseSensitive(root.get(), "env");
  if (!v || !event || !actor || !written_at || !cJSON_IsObject(config) || !cJSON_IsObject(snapshot) ||
      !cJSON_IsObject(env) || !read_string_array(cJSON_GetObjectItemCaseSensitive(root.get(), "changed"), &e.changed))
    return false;
  const cJSON* secrets = cJSON_GetObjectItemCaseSensitive(root.get(), "secrets");
  if (secrets && !read_string_array(secrets, &e.secrets)) return false;
  if (const char* comment = text_of(root.get(), "comment")) e.comment = comment;
  e.version = *v;
  e.event = event;
  e.actor = actor;
  e.written_at = written_at;
  e.masked_config_json = json_print(config);
  e.snapshot_json = json_print(snapshot);
  const cJSON* item;
  cJSON_ArrayForEach(item, env) {
    if (!cJSON_IsString(item)) return false;
    e.values[item->string] = item->valuestring;
  }
  *out = std::move(e);
  return true;
}

History::~History() {
  if (fd_ >= 0) ::close(fd_);
}

bool History::open(const std::string& path, std::string* error, size_t* repaired) {
  std::lock_guard<std::mutex> lock(mu_);
  path_ = path;
  fd_ = open_line_file(path, true);
  if (fd_ < 0) {
    *error = "cannot open the history file " + path + ": " + std::strerror(errno);
    return false;
  }
  // A torn last line (a crash mid-append) is cut back to the last whole record.
  long cut = cut_torn_tail(fd_);
  if (cut < 0) {
    *error = "cannot cut the torn last line of " + path + ": " + std::strerror(errno);
    return false;
  }
  if (repaired) *repaired = static_cast<size_t>(cut);
  std::string text;
  if (!fs::read_file(path, &text, error)) return false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++lines_in_file_;
    HistoryEntry e;
    if (!parse_history_line(line, &e)) continue;  // not ours: skipped, dropped at the next compaction
    // Versions only go up; a line at or below the newest replaces nothing.
    if (!entries_.empty() && entries_.back().version >= e.version) continue;
    entries_.push_back(std::move(e));
    trim_locked();
  }
  return true;
}

size_t History::drop_uncommitted(uint64_t mark, const std::map<std::string, std::string>& env_values) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t dropped = 0;
  while (!entries_.empty()) {
    const HistoryEntry& last = entries_.back();
    bool above_mark = last.version > mark;  // the mark is synced before any commit
    bool never_renamed =
        entries_.size() >= 2 && last.values != env_values && entries_[entries_.size() - 2].values == env_values;
    if (!above_mark && !never_renamed) break;
    entries_.pop_back();
    ++dropped;
  }
  std::string err;
  if (dropped) rewrite_locked(&err);
  return dropped;
}

bool History::append(const HistoryEntry& e, Pending* pending, std::string* error) {
  std::string line = history_line(e) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) fd_ = open_line_file(path_, true);
  off_t start = -1;
  if (fd_ >= 0 && append_line(fd_, line, &start)) {
    pending->start = start;
    ++lines_in_file_;
    return true;
  }
  *error = "cannot write the history file " + path_ + ": " + std::strerror(errno);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  return false;
}

void History::cut_back(const Pending& pending) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pending.start < 0 || fd_ < 0) return;
  if (::ftruncate(fd_, pending.start) == 0) {
    ::fsync(fd_);
    --lines_in_file_;
  }
}

void History::committed(HistoryEntry e) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!entries_.empty() && entries_.back().version >= e.version) return;
  entries_.push_back(std::move(e));
  trim_locked();
  std::string err;
  if (lines_in_file_ > 2 * capacity_) rewrite_locked(&err);  // a failure keeps the longer file
}

bool History::record(HistoryEntry e, std::string* error) {
  if (find(e.version)) return true;
  Pending p;
  bool ok = append(e, &p, error);
  committed(std::move(e));
  return ok;
}

void History::trim_locked() {
  while (entries_.size() > capacity_) entries_.pop_front();
}

bool History::rewrite_locked(std::string* error) {
  std::string text;
  for (const auto& e : entries_) text += history_line(e) + "\n";
  if (!fs::write_atomically(path_, text, {0600, false, "history"}, error)) return false;
  if (fd_ >= 0) ::close(fd_);
  fd_ = open_line_file(path_, true);  // the old descriptor names the replaced file
  lines_in_file_ = entries_.size();
  return fd_ >= 0;
}

std::optional<HistoryEntry> History::find(uint64_t version) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& e : entries_)
    if (e.version == version) return e;
  return std::nullopt;
}

std::optional<HistoryEntry> History::newest() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.empty()) return std::nullopt;
  return entries_.back();
}

std::vector<HistoryEntry> History::entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {entries_.begin(), entries_.end()};
}

std::string History::render_json(size_t limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  JsonPtr root(cJSON_CreateObject());
  cJSON* arr = cJSON_AddArrayToObject(root.get(), "versions");
  size_t n = 0;
  for (auto it = entries_.rbegin(); it != entries_.rend() && n < limit; ++it, ++n) {
    cJSON* item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "version", std::to_string(it->version).c_str());
    cJSON_AddStringToObject(item, "event", it->event.c_str());
    cJSON_AddStringToObject(item, "actor", it->actor.c_str());
    cJSON_AddStringToObject(item, "written_at", it->written_at.c_str());
    cJSON_AddItemToObject(item, "changed", string_array(it->changed));
    if (!it->comment.empty()) cJSON_AddStringToObject(item, "comment", it->comment.c_str());
    cJSON* config = parse_strict_json(it->masked_config_json, kDefaultJsonMaxDepth, nullptr);
    cJSON_AddItemToObject(item, "config", config ? config : cJSON_CreateObject());
    cJSON_AddItemToArray(arr, item);
  }
  return json_print(root.get());
}

std::string History::describe_versions() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (size_t i = 0; i < entries_.size();) {
    size_t j = i;
    while (j + 1 < entries_.size() && entries_[j + 1].version == entries_[j].version + 1) ++j;
    out += (out.empty() ? "" : ", ") + std::to_string(entries_[i].version);
    if (j > i) out += "-" + std::to_string(entries_[j].version);
    i = j + 1;
  }
  return out.empty() ? "none" : out;
}

}  // namespace omega::settingsd
