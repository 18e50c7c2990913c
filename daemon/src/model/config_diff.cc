#include "model/config_diff.h"

#include "model/redaction.h"
#include "model/validated_env.h"

namespace omega::settingsd {

cJSON* config_changes(const cJSON* before, const cJSON* after,
                      const std::function<bool(const std::string&)>& is_secret) {
  cJSON* out = cJSON_CreateArray();
  for (const std::string& key : changed_keys(before, after)) {
    cJSON* item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "key", key.c_str());
    if (is_secret(key)) {
      cJSON_AddBoolToObject(item, "changed", true);
    } else {
      const cJSON* old_value = before ? cJSON_GetObjectItemCaseSensitive(before, key.c_str()) : nullptr;
      const cJSON* new_value = after ? cJSON_GetObjectItemCaseSensitive(after, key.c_str()) : nullptr;
      if (old_value) cJSON_AddItemToObject(item, "old", masked_urls(old_value));
      if (new_value) cJSON_AddItemToObject(item, "new", masked_urls(new_value));
    }
    cJSON_AddItemToArray(out, item);
  }
  return out;
}

}  // namespace omega::settingsd
