#include "model/json_tree.h"

#include "json_reader.h"

namespace omega::settingsd {

cJSON* parse_strict_json(std::string_view text, int max_depth, std::string* error) {
  try {
    json::check(text, max_depth);
  } catch (const json::ParseError& e) {
    if (error) *error = e.what();
    return nullptr;
  }
  cJSON* tree = cJSON_ParseWithLength(text.data(), text.size());
  if (!tree && error) *error = "out of memory";
  return tree;
}

std::string json_print(const cJSON* item) {
  char* text = cJSON_PrintUnformatted(item);
  if (!text) return "";
  std::string out(text);
  cJSON_free(text);
  return out;
}

}  // namespace omega::settingsd
