#include "model/validated_env.h"

#include <set>

#include "atomic_file.h"

namespace omega::settingsd {

bool validate_env_text(const Schema& schema, std::string text, const std::string& label, ValidatedEnv* out,
                       std::vector<Problem>* problems) {
  std::vector<EnvError> env_errors;
  if (!EnvFile::parse(text, &out->env, &env_errors)) {
    for (const auto& e : env_errors)
      problems->push_back({"", label + (e.line ? ":" + std::to_string(e.line) : std::string()) + ": " + e.message});
    return false;
  }
  std::vector<FieldError> field_errors;
  out->typed.reset(schema.validate_env(out->env.values(), &field_errors));
  if (!out->typed) {
    for (const auto& e : field_errors) problems->push_back({e.key, e.message});
    if (field_errors.empty()) problems->push_back({"", "the .env does not validate against the schema"});
    return false;
  }
  out->text = std::move(text);
  out->snapshot = json_print(out->typed.get());
  return true;
}

bool load_validated_env(const Schema& schema, const std::string& path, ValidatedEnv* out,
                        std::vector<Problem>* problems) {
  std::string text, err;
  if (!fs::read_file(path, &text, &err)) {
    problems->push_back({"", err});
    return false;
  }
  return validate_env_text(schema, std::move(text), path, out, problems);
}

std::vector<std::string> describe(const std::vector<Problem>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.key.empty() ? p.message : p.key + ": " + p.message);
  return out;
}

std::vector<std::string> changed_keys(const cJSON* before, const cJSON* after) {
  std::set<std::string> out;
  const cJSON* item;
  cJSON_ArrayForEach(item, after) {
    const cJSON* old = before ? cJSON_GetObjectItemCaseSensitive(before, item->string) : nullptr;
    // Compared as published bytes: a map whose keys were reordered is a change readers see.
    if (!old || json_print(old) != json_print(item)) out.insert(item->string);
  }
  if (before) {
    cJSON_ArrayForEach(item, before) {
      if (!cJSON_GetObjectItemCaseSensitive(after, item->string)) out.insert(item->string);
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace omega::settingsd
