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

// An array or map as .env text: compact JSON that python-dotenv hands to json.loads unchanged.
// Three characters are written as \u escapes inside strings (outside strings JSON has none):
// ' so the text can be single-quoted and taken literally by this daemon's parser; \ because
// python-dotenv turns \\ into \ even inside single quotes; $ because it expands ${NAME} even
// there.
std::string env_json_text(const cJSON* typed) {
  std::string text = json_print(typed), out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\'') {
      out += "\\u0027";
    } else if (text[i] == '$') {
      out += "\\u0024";
    } else if (text[i] == '\\' && i + 1 < text.size()) {
      // An escape: \\ (a backslash in the string) becomes \u005c; \" \n \u00XX stay.
      out += text[i + 1] == '\\' ? std::string("\\u005c") : text.substr(i, 2);
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

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
  const cJSON* defs = nullptr;
  const cJSON* definitions = nullptr;
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
      // Named types (an Enum class, say) that properties use through "$ref": "#/$defs/Name".
      if (!cJSON_IsObject(kw)) return *err = "schema: " + std::string(name) + " must be an object", false;
      (name == "$defs" ? defs : definitions) = kw;
    } else {
      return *err = "schema: unsupported top-level keyword \"" + std::string(name) + "\"", false;
    }
  }
  if (!properties) return *err = "schema: no \"properties\"", false;

  std::map<std::string, std::shared_ptr<FieldSpec>, std::less<>> fields;
  for (const cJSON* prop = properties->child; prop; prop = prop->next) {
    auto spec = std::make_shared<FieldSpec>();
    std::string prop_error;
    if (!parse_field_spec(prop->string, prop, defs, definitions, spec.get(), &prop_error)) {
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
    std::vector<std::string> failed;
    JsonPtr value(coerce_text(*f, it->second, f->secret, &failed));
    if (value) check_constraints(*f, value.get(), f->secret, &failed);
    for (std::string& message : failed) problems.push_back({key, std::move(message)});
    if (failed.empty() && value) cJSON_AddItemToObject(result.get(), key.c_str(), value.release());
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

  // A string is read like .env text ("30" for an integer; JSON text for an array or a map);
  // any other JSON value must be of the key's type, part by part.
  std::vector<std::string> failed;
  JsonPtr typed(cJSON_IsString(value) ? coerce_text(*f, value->valuestring, f->secret, &failed)
                                      : coerce_json(*f, value, f->secret, &failed));
  if (typed && cJSON_IsNull(typed.get())) failed.push_back("must not be empty");
  if (typed && failed.empty()) check_constraints(*f, typed.get(), f->secret, &failed);
  if (!failed.empty()) {
    std::string joined;
    for (const std::string& m : failed) joined += (joined.empty() ? "" : "; ") + m;
    return *err = joined, false;
  }
  std::string text;
  switch (f->type) {
    case Type::kString: text = typed->valuestring; break;
    case Type::kBoolean: text = cJSON_IsTrue(typed.get()) ? "true" : "false"; break;
    case Type::kInteger:
    case Type::kNumber: text = format_number(typed->valuedouble); break;
    default: text = env_json_text(typed.get()); break;
  }
  if (out) *out = std::move(text);
  return true;
}

}  // namespace omega::settingsd
