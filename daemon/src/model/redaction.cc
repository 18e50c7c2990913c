#include "model/redaction.h"

namespace omega::settingsd {

std::string masked_json(const Schema& schema, const cJSON* typed) {
  JsonPtr copy(cJSON_Duplicate(typed, true));
  for (cJSON* it = copy->child; it;) {
    cJSON* next = it->next;  // taken first: the replacement frees `it`
    if (schema.is_secret(it->string) && !cJSON_IsNull(it)) {
      std::string name = it->string;
      cJSON_ReplaceItemInObjectCaseSensitive(copy.get(), name.c_str(), cJSON_CreateString(kSecretMask));
    }
    it = next;
  }
  return json_print(copy.get());
}

}  // namespace omega::settingsd
