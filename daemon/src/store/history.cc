// Bounded in-memory version history (see history.h).
#include "store/history.h"

#include "model/json_tree.h"

namespace omega::settingsd {

void History::add(HistoryEntry e) {
  std::lock_guard<std::mutex> lock(mu_);
  // A republish of the same version (reload) replaces nothing: keep the first record.
  if (!entries_.empty() && entries_.back().version == e.version) return;
  entries_.push_back(std::move(e));
  while (entries_.size() > capacity_) entries_.pop_front();
}

std::optional<HistoryEntry> History::find(uint64_t version) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& e : entries_)
    if (e.version == version) return e;
  return std::nullopt;
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
    cJSON* changed = cJSON_AddArrayToObject(item, "changed");
    for (const auto& k : it->changed) cJSON_AddItemToArray(changed, cJSON_CreateString(k.c_str()));
    cJSON_AddItemToObject(item, "config", cJSON_Parse(it->masked_config_json.c_str()));
    cJSON_AddItemToArray(arr, item);
  }
  return json_print(root.get());
}

}  // namespace omega::settingsd
