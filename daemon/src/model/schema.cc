// The settings schema (DESIGN.md guarantee 2): a JSON Schema document in the shape pydantic's
// model_json_schema() emits for a flat settings model. The per-property work lives in
// schema_field.cc (reading keywords) and schema_values.cc (coercion and constraints).
#include "model/schema.h"

#include <algorithm>
#include <cstring>

#include "model/json_tree.h"
#include "model/schema_field.h"

namespace omega::settingsd {

using namespace schema_internal;

namespace {
constexpr int kSchemaMaxDepth = 16;
}  // namespace

// --- Schema -------------------------------------------------------------------------------

bool Schema::parse(std::string_view json_text, Schema* out, std::string* error) {
  std::string scratch;
  std::string* err = error ? error : &scratch;
  std::string json_error;
  JsonPtr doc(parse_strict_json(json_text, kSchemaMaxDepth, &json_error));
  if (!doc) return *err = "schema: " + json_error, false;
  if (!cJSON_IsObject(doc.get())) return *err = "schema: the document must be a JSON object", false;

  Schema schema;
  const cJSON* properties = nullptr;
  const cJSON* required = nullptr;
  for (const cJSON* kw = doc->child; kw; kw = kw->next) {
    std::string_view name = kw->string;
    if (is_annotation(name) || name == "$schema" || name == "$id") continue;
    if (name == "type") {
      if (!cJSON_IsString(kw) || std::strcmp(kw->valuestring, "object") != 0) {
        return *err = "schema: the top-level type must be \"object\"", false;
      }
    } else if (name == "properties") {
      if (!cJSON_IsObject(kw)) return *err = "schema: properties must be an object", false;
      properties = kw;
    } else if (name == "required") {
      if (!cJSON_IsArray(kw)) return *err = "schema: required must be a list of names", false;
      required = kw;
    } else if (name == "additionalProperties") {
      if (!cJSON_IsFalse(kw)) {
        return *err =
                   "schema: additionalProperties must be false (the writer rejects unknown "
                   "keys; in pydantic-settings keep extra=\"forbid\")",
               false;
      }
    } else if (name == "$defs" || name == "definitions") {
      return *err = "schema: " + std::string(name) +
                    " is not supported: keep the settings model flat (no nested models) and use "
                    "Literal[...] instead of an Enum class for choices",
             false;
    } else {
      return *err = "schema: unsupported top-level keyword \"" + std::string(name) + "\"", false;
    }
  }
  if (!properties) return *err = "schema: no \"properties\"", false;

  std::map<std::string, std::shared_ptr<FieldSpec>, std::less<>> fields;
  for (const cJSON* prop = properties->child; prop; prop = prop->next) {
    auto spec = std::make_shared<FieldSpec>();
    std::string prop_error;
    if (!parse_field_spec(prop->string, prop, spec.get(), &prop_error)) {
      std::string shown = is_upper_snake(prop->string) || std::strlen(prop->string) <= 64
                              ? prop->string
                              : std::string(prop->string, 64) + "...";
      return *err = "schema: property " + quote_for_message(shown) + ": " + prop_error, false;
    }
    fields.emplace(prop->string, std::move(spec));
  }
  if (required) {
    for (const cJSON* name = required->child; name; name = name->next) {
      if (!cJSON_IsString(name)) return *err = "schema: required must be a list of names", false;
      auto it = fields.find(name->valuestring);
      if (it == fields.end()) {
        return *err = "schema: required names " + quote_for_message(name->valuestring) + ", which is not a property",
               false;
      }
      it->second->required = true;
    }
  }
  for (auto& [key, spec] : fields) schema.fields_.emplace(key, std::move(spec));
  if (out) *out = std::move(schema);
  return true;
}

const FieldSpec* Schema::find(std::string_view key) const {
  auto it = fields_.find(key);
  return it == fields_.end() ? nullptr : it->second.get();
}

bool Schema::has_key(std::string_view key) const { return find(key) != nullptr; }

bool Schema::is_secret(std::string_view key) const {
  const FieldSpec* f = find(key);
  return f && f->secret;
}

std::vector<std::string> Schema::keys() const {
  std::vector<std::string> result;
  for (const auto& entry : fields_) result.push_back(entry.first);
  return result;
}

cJSON* Schema::validate_env(const std::map<std::string, std::string>& env, std::vector<FieldError>* errors) const {
  std::vector<FieldError> problems;
  for (const auto& entry : env) {
    if (!find(entry.first)) problems.push_back({entry.first, "unknown key (not in the schema)"});
  }
  JsonPtr result(cJSON_CreateObject());
  for (const auto& [key, f] : fields_) {
    auto it = env.find(key);
    if (it == env.end()) {
      if (f->default_value) {
        cJSON_AddItemToObject(result.get(), key.c_str(), cJSON_Duplicate(f->default_value.get(), true));
      } else if (f->required) {
        problems.push_back({key, "missing required key"});
      } else if (f->nullable) {
        cJSON_AddItemToObject(result.get(), key.c_str(), cJSON_CreateNull());
      }
      continue;
    }
    std::string problem;
    JsonPtr value(coerce_text(*f, it->second, &problem));
    if (!value) {
      problems.push_back({key, problem});
      continue;
    }
    std::vector<std::string> failed;
    check_constraints(*f, value.get(), &failed);
    for (std::string& message : failed) problems.push_back({key, std::move(message)});
    if (failed.empty()) cJSON_AddItemToObject(result.get(), key.c_str(), value.release());
  }
  if (!problems.empty()) {
    std::stable_sort(problems.begin(), problems.end(),
                     [](const FieldError& a, const FieldError& b) { return a.key < b.key; });
    if (errors) *errors = std::move(problems);
    return nullptr;
  }
  if (errors) errors->clear();
  return result.release();
}

bool Schema::value_to_env_text(std::string_view key, const cJSON* value, std::string* out, std::string* error) const {
  std::string scratch;
  std::string* err = error ? error : &scratch;
  const FieldSpec* f = find(key);
  if (!f) return *err = "unknown key (not in the schema)", false;
  if (!value) return *err = "no value", false;
  if (cJSON_IsNull(value)) {
    if (!f->nullable) return *err = "must not be null", false;
    if (out) out->clear();
    return true;
  }

  JsonPtr typed;
  std::string problem;
  if (cJSON_IsString(value)) {
    // Strings are read like .env text, so "30" is accepted for an integer as it is in the file.
    typed.reset(coerce_text(*f, value->valuestring, &problem));
  } else if (cJSON_IsNumber(value) && (f->type == Type::kInteger || f->type == Type::kNumber)) {
    typed.reset(cJSON_CreateNumber(value->valuedouble));
  } else if (cJSON_IsBool(value) && f->type == Type::kBoolean) {
    typed.reset(cJSON_CreateBool(cJSON_IsTrue(value)));
  } else {
    return *err = std::string("must be ") + type_name(f->type), false;
  }
  if (!typed) return *err = problem, false;
  if (cJSON_IsNull(typed.get())) return *err = "must not be empty", false;

  std::vector<std::string> failed;
  check_constraints(*f, typed.get(), &failed);
  if (!failed.empty()) {
    std::string joined;
    for (const std::string& m : failed) joined += (joined.empty() ? "" : "; ") + m;
    return *err = joined, false;
  }
  std::string text;
  switch (f->type) {
    case Type::kString: text = typed->valuestring; break;
    case Type::kBoolean: text = cJSON_IsTrue(typed.get()) ? "true" : "false"; break;
    default: text = format_number(typed->valuedouble); break;
  }
  if (out) *out = std::move(text);
  return true;
}

}  // namespace omega::settingsd
