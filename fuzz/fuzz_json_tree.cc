// libFuzzer target: the strict JSON parser must never crash, and what it accepts must be
// something cJSON prints back into text the strict parser accepts again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "model/json_tree.h"

using omega::settingsd::parse_strict_json;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  cJSON* json = parse_strict_json(text, 16, &error);
  if (!json) {
    if (error.empty()) abort();
    return 0;
  }
  char* printed = cJSON_PrintUnformatted(json);
  if (!printed) abort();
  cJSON* again = parse_strict_json(printed, 16, &error);
  if (!again) abort();
  cJSON_Delete(again);
  cJSON_free(printed);
  cJSON_Delete(json);
  return 0;
}
