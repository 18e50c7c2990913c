#include "store/revert_schedule.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "atomic_file.h"
#include "model/json_tree.h"
#include "service/utc_time.h"
#include "wire_format.h"

namespace omega::settingsd {
namespace {

cJSON* optional_text(const std::optional<std::string>& v) {
  return v ? cJSON_CreateString(v->c_str()) : cJSON_CreateNull();
}

bool read_optional_text(const cJSON* v, std::optional<std::string>* out) {
  if (cJSON_IsNull(v)) return true;
  if (!cJSON_IsString(v)) return false;
  *out = v->valuestring;
  return true;
}

bool parse_entry(const cJSON* item, PendingRevert* out) {
  const cJSON* version = cJSON_GetObjectItemCaseSensitive(item, "version");
  const cJSON* actor = cJSON_GetObjectItemCaseSensitive(item, "actor");
  const cJSON* at = cJSON_GetObjectItemCaseSensitive(item, "revert_at_ms");
  const cJSON* keys = cJSON_GetObjectItemCaseSensitive(item, "keys");
  std::optional<uint64_t> v = cJSON_IsString(version) ? wire::parse_version(version->valuestring) : std::nullopt;
  if (!v || !cJSON_IsString(actor) || !cJSON_IsNumber(at) || !cJSON_IsObject(keys)) return false;
  out->version = *v;
  out->actor = actor->valuestring;
  out->revert_at_ms = static_cast<int64_t>(at->valuedouble);
  const cJSON* key;
  cJSON_ArrayForEach(key, keys) {
    RevertKey k;
    if (!cJSON_IsObject(key) || !read_optional_text(cJSON_GetObjectItemCaseSensitive(key, "patched"), &k.patched) ||
        !read_optional_text(cJSON_GetObjectItemCaseSensitive(key, "restore"), &k.restore))
      return false;
    out->keys[key->string] = k;
  }
  return true;
}

void sort_by_time(std::vector<PendingRevert>* all) {
  std::stable_sort(all->begin(), all->end(),
                   [](const PendingRevert& a, const PendingRevert& b) { return a.revert_at_ms < b.revert_at_ms; });
}

}  // namespace

bool RevertSchedule::open(const std::string& path, std::string* error) {
  path_ = path;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return true;
  std::string text;
  if (!fs::read_file(path, &text, error, 16 << 20)) return false;
  std::string why;
  JsonPtr root(parse_strict_json(text, kDefaultJsonMaxDepth, &why));
  const cJSON* list = root ? cJSON_GetObjectItemCaseSensitive(root.get(), "reverts") : nullptr;
  if (!cJSON_IsArray(list)) {
    *error = path + " is not a schedule of reverts" + (why.empty() ? "" : ": " + why);
    return false;
  }
  std::vector<PendingRevert> all;
  const cJSON* item;
  cJSON_ArrayForEach(item, list) {
    PendingRevert r;
    if (!parse_entry(item, &r)) {
      *error = path + " holds an entry that is not a scheduled revert";
      return false;
    }
    all.push_back(std::move(r));
  }
  install(std::move(all));
  return true;
}

bool RevertSchedule::write(const std::vector<PendingRevert>& all, std::string* error) const {
  JsonPtr root(cJSON_CreateObject());
  cJSON* list = cJSON_AddArrayToObject(root.get(), "reverts");
  for (const PendingRevert& r : all) {
    cJSON* item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "version", std::to_string(r.version).c_str());
    cJSON_AddStringToObject(item, "actor", r.actor.c_str());
    cJSON_AddStringToObject(item, "revert_at", rfc3339_of_unix_ms(r.revert_at_ms).c_str());
    cJSON_AddNumberToObject(item, "revert_at_ms", static_cast<double>(r.revert_at_ms));
    cJSON* keys = cJSON_AddObjectToObject(item, "keys");
    for (const auto& [name, k] : r.keys) {
      cJSON* key = cJSON_AddObjectToObject(keys, name.c_str());
      cJSON_AddItemToObject(key, "patched", optional_text(k.patched));
      cJSON_AddItemToObject(key, "restore", optional_text(k.restore));
    }
    cJSON_AddItemToArray(list, item);
  }
  return fs::write_atomically(path_, json_print(root.get()) + "\n", {0600, false, "reverts"}, error);
}

void RevertSchedule::install(std::vector<PendingRevert> all) {
  sort_by_time(&all);
  std::lock_guard<std::mutex> lock(mu_);
  pending_ = std::move(all);
}

bool RevertSchedule::replace(std::vector<PendingRevert> all, std::string* error) {
  if (!write(all, error)) return false;
  install(std::move(all));
  return true;
}

std::vector<PendingRevert> RevertSchedule::list() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_;
}

}  // namespace omega::settingsd
