// libFuzzer target: the schema parser on arbitrary documents, and for an accepted schema,
// validation of a small .env map and PATCH values derived from the same input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "model/json_tree.h"
#include "model/schema.h"

using omega::settingsd::JsonPtr;
using omega::settingsd::Schema;

namespace {

// Text the writer produced for a key must validate as that key.
void check_round_trip(const Schema& schema, const std::string& key, const cJSON* value) {
  std::string out, error;
  if (!schema.value_to_env_text(key, value, &out, &error)) {
    if (error.empty()) abort();
    return;
  }
  std::vector<omega::settingsd::FieldError> again;
  JsonPtr one(schema.validate_env({{key, out}}, &again));
  for (const auto& e : again) {
    if (e.key == key) abort();
  }
  // ... and its text is a fixed point: writing the published value back gives the same text.
  if (one) {
    std::string twice;
    const cJSON* published = cJSON_GetObjectItemCaseSensitive(one.get(), key.c_str());
    if (published && !cJSON_IsNull(published) &&
        (!schema.value_to_env_text(key, published, &twice, &error) || twice != out)) {
      abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // The input is "schema JSON" NUL "value text"; the value part drives validation.
  size_t nul = text.find('\0');
  std::string_view schema_text = text.substr(0, nul);
  std::string value = nul == std::string_view::npos ? "" : std::string(text.substr(nul + 1));
  Schema schema;
  std::string error;
  if (!Schema::parse(schema_text, &schema, &error)) {
    if (error.empty()) abort();
    return 0;
  }
  std::map<std::string, std::string> env;
  for (const std::string& key : schema.keys()) env[key] = value;
  std::vector<omega::settingsd::FieldError> errors;
  JsonPtr snapshot(schema.validate_env(env, &errors));
  if (!snapshot && errors.empty()) abort();
  // The value as a JSON string (read like .env text), and as a JSON value when it is one (an
  // array or a map for a list/dict setting).
  JsonPtr as_string(cJSON_CreateString(value.c_str()));
  JsonPtr as_json(omega::settingsd::parse_strict_json(value, omega::settingsd::kDefaultJsonMaxDepth, nullptr));
  for (const std::string& key : schema.keys()) {
    check_round_trip(schema, key, as_string.get());
    if (as_json) check_round_trip(schema, key, as_json.get());
  }
  return 0;
}
