// libFuzzer target: the schema parser on arbitrary documents, and for an accepted schema,
// validation of a small .env map and a PATCH value derived from the same input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "model/schema.h"

using omega::settingsd::Schema;

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
  cJSON* snapshot = schema.validate_env(env, &errors);
  if (!snapshot && errors.empty()) abort();
  cJSON_Delete(snapshot);
  cJSON* as_string = cJSON_CreateString(value.c_str());
  for (const std::string& key : schema.keys()) {
    std::string out;
    if (schema.value_to_env_text(key, as_string, &out, &error)) {
      // Text the writer produced for a key must validate as that key.
      std::vector<omega::settingsd::FieldError> again;
      cJSON* one = schema.validate_env({{key, out}}, &again);
      for (const auto& e : again) {
        if (e.key == key) abort();
      }
      cJSON_Delete(one);
    }
  }
  cJSON_Delete(as_string);
  return 0;
}
