// Reading one property of the schema document into a FieldSpec: the keywords of the subset,
// pydantic's anyOf-with-null for Optional fields, and checks that the schema is coherent.
// Unknown keywords are refused rather than ignored: a constraint the writer silently skipped
// would let invalid settings reach every reader.
#include <cmath>
#include <cstring>
#include <set>

#include "model/schema_field.h"

namespace omega::settingsd::schema_internal {
namespace {

constexpr size_t kMaxPatternLength = 1024;

bool read_keywords(const cJSON* obj, FieldSpec* f, bool in_branch, std::string* err);

bool type_from_name(std::string_view name, Type* out) {
  if (name == "string")
    *out = Type::kString;
  else if (name == "integer")
    *out = Type::kInteger;
  else if (name == "number")
    *out = Type::kNumber;
  else if (name == "boolean")
    *out = Type::kBoolean;
  else
    return false;
  return true;
}

bool read_number(const cJSON* v, const char* kw, std::optional<double>* out, std::string* err) {
  if (!cJSON_IsNumber(v)) return *err = std::string(kw) + " must be a number", false;
  if (out->has_value()) return *err = std::string(kw) + " is given twice", false;
  *out = v->valuedouble;
  return true;
}

bool read_length(const cJSON* v, const char* kw, std::optional<size_t>* out, std::string* err) {
  if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e12 ||
      std::floor(v->valuedouble) != v->valuedouble) {
    return *err = std::string(kw) + " must be a non-negative integer", false;
  }
  if (out->has_value()) return *err = std::string(kw) + " is given twice", false;
  *out = static_cast<size_t>(v->valuedouble);
  return true;
}

bool set_type(FieldSpec* f, Type t, std::string* err) {
  if (f->has_type && f->type != t) return *err = "conflicting types", false;
  f->type = t;
  f->has_type = true;
  return true;
}

bool is_null_branch(const cJSON* branch) {
  if (!cJSON_IsObject(branch)) return false;
  const cJSON* t = cJSON_GetObjectItemCaseSensitive(branch, "type");
  if (!cJSON_IsString(t) || std::strcmp(t->valuestring, "null") != 0) return false;
  for (const cJSON* kw = branch->child; kw; kw = kw->next) {
    if (std::strcmp(kw->string, "type") != 0 && !is_annotation(kw->string)) return false;
  }
  return true;
}

bool read_any_of(const cJSON* v, FieldSpec* f, std::string* err) {
  const char* shape = "anyOf is supported only as [{...one type...}, {\"type\": \"null\"}] (an Optional field)";
  if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2) return *err = shape, false;
  const cJSON* first = cJSON_GetArrayItem(v, 0);
  const cJSON* second = cJSON_GetArrayItem(v, 1);
  const cJSON* branch = is_null_branch(second) ? first : is_null_branch(first) ? second : nullptr;
  if (!branch || !cJSON_IsObject(branch) || is_null_branch(branch)) return *err = shape, false;
  if (f->nullable) return *err = "anyOf is given twice", false;
  f->nullable = true;
  return read_keywords(branch, f, true, err);
}

bool read_type(const cJSON* v, FieldSpec* f, std::string* err) {
  const char* bad =
      "type must be \"string\", \"integer\", \"number\" or \"boolean\" (or a list "
      "of one of those and \"null\")";
  if (cJSON_IsString(v)) {
    Type t;
    if (!type_from_name(v->valuestring, &t)) return *err = bad, false;
    return set_type(f, t, err);
  }
  if (!cJSON_IsArray(v)) return *err = bad, false;
  int non_null = 0;
  for (const cJSON* item = v->child; item; item = item->next) {
    if (!cJSON_IsString(item)) return *err = bad, false;
    if (std::strcmp(item->valuestring, "null") == 0) {
      f->nullable = true;
      continue;
    }
    Type t;
    if (!type_from_name(item->valuestring, &t) || ++non_null > 1) return *err = bad, false;
    if (!set_type(f, t, err)) return false;
  }
  if (non_null != 1) return *err = bad, false;
  return true;
}

bool read_keywords(const cJSON* obj, FieldSpec* f, bool in_branch, std::string* err) {
  for (const cJSON* kw = obj->child; kw; kw = kw->next) {
    std::string_view name = kw->string;
    if (is_annotation(name)) continue;
    if (name == "type") {
      if (!read_type(kw, f, err)) return false;
    } else if (name == "anyOf" && !in_branch) {
      if (!read_any_of(kw, f, err)) return false;
    } else if (name == "default" && !in_branch) {
      f->default_value.reset(cJSON_Duplicate(kw, true));
    } else if (name == "enum" || name == "const") {
      if (!f->choices.empty()) return *err = "enum/const is given twice", false;
      if (name == "const") {
        f->is_const = true;
        f->choices.emplace_back(cJSON_Duplicate(kw, true));
      } else {
        if (!cJSON_IsArray(kw) || !kw->child) return *err = "enum must be a non-empty list", false;
        for (const cJSON* item = kw->child; item; item = item->next) {
          f->choices.emplace_back(cJSON_Duplicate(item, true));
        }
      }
      for (const JsonPtr& c : f->choices) {
        if (!(cJSON_IsString(c.get()) || cJSON_IsNumber(c.get()) || cJSON_IsBool(c.get()) || cJSON_IsNull(c.get()))) {
          return *err = std::string(name) + " values must be strings, numbers or booleans", false;
        }
      }
    } else if (name == "minimum") {
      if (!read_number(kw, "minimum", &f->minimum, err)) return false;
    } else if (name == "maximum") {
      if (!read_number(kw, "maximum", &f->maximum, err)) return false;
    } else if (name == "exclusiveMinimum") {
      if (!read_number(kw, "exclusiveMinimum", &f->exclusive_minimum, err)) return false;
    } else if (name == "exclusiveMaximum") {
      if (!read_number(kw, "exclusiveMaximum", &f->exclusive_maximum, err)) return false;
    } else if (name == "minLength") {
      if (!read_length(kw, "minLength", &f->min_length, err)) return false;
    } else if (name == "maxLength") {
      if (!read_length(kw, "maxLength", &f->max_length, err)) return false;
    } else if (name == "pattern") {
      if (!cJSON_IsString(kw)) return *err = "pattern must be a string", false;
      if (std::strlen(kw->valuestring) > kMaxPatternLength) {
        return *err = "pattern is longer than 1024 characters", false;
      }
      try {
        f->pattern.emplace(kw->valuestring, std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        return *err = "pattern is not a valid ECMAScript regular expression", false;
      }
      f->pattern_text = kw->valuestring;
    } else if (name == "format") {
      if (!cJSON_IsString(kw)) return *err = "format must be a string", false;
      f->format = kw->valuestring;
      if (f->format == "password") f->secret = true;
    } else if (name == "writeOnly") {
      if (!cJSON_IsBool(kw)) return *err = "writeOnly must be true or false", false;
      if (cJSON_IsTrue(kw)) f->secret = true;
    } else if (name == "$ref" || name == "allOf" || name == "oneOf") {
      return *err = std::string(name) +
                    " is not supported: keep the settings model flat, and use Literal[...] "
                    "instead of an Enum class for choices",
             false;
    } else {
      return *err = "unsupported keyword \"" + std::string(name) + "\"", false;
    }
  }
  return true;
}

}  // namespace

bool is_annotation(std::string_view kw) {
  return kw == "title" || kw == "description" || kw == "examples" || kw == "$comment" || kw == "deprecated" ||
         kw == "readOnly";
}

bool is_upper_snake(std::string_view key) {
  if (key.empty() || key.size() > 256 || !(key[0] >= 'A' && key[0] <= 'Z')) return false;
  for (char c : key) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool parse_field_spec(const std::string& key, const cJSON* prop, FieldSpec* f, std::string* err) {
  f->key = key;
  if (!is_upper_snake(key)) {
    return *err = "is not an UPPER_SNAKE_CASE name: declare the field as " +
                  std::string("UPPER_CASE (or give it an UPPER_CASE alias)"),
           false;
  }
  if (!cJSON_IsObject(prop)) return *err = "must be a JSON object", false;
  if (!read_keywords(prop, f, false, err)) return false;
  if (!f->has_type) {
    // pydantic omits "type" for a Literal of mixed kinds; infer it from the choices.
    std::set<Type> kinds;
    for (const JsonPtr& c : f->choices) {
      if (cJSON_IsString(c.get()))
        kinds.insert(Type::kString);
      else if (cJSON_IsBool(c.get()))
        kinds.insert(Type::kBoolean);
      else if (cJSON_IsNumber(c.get()))
        kinds.insert(Type::kNumber);
    }
    if (kinds.size() != 1) return *err = "has no \"type\"", false;
    f->type = *kinds.begin();
    f->has_type = true;
  }
  bool numeric = f->type == Type::kInteger || f->type == Type::kNumber;
  if (!numeric && (f->minimum || f->maximum || f->exclusive_minimum || f->exclusive_maximum)) {
    return *err = std::string("minimum/maximum apply to numbers, not to ") + type_name(f->type), false;
  }
  if (f->type != Type::kString && (f->min_length || f->max_length || f->pattern)) {
    return *err = std::string("minLength/maxLength/pattern apply to strings, not to ") + type_name(f->type), false;
  }
  for (const JsonPtr& c : f->choices) {
    bool type_ok = (f->type == Type::kString && cJSON_IsString(c.get())) ||
                   (f->type == Type::kBoolean && cJSON_IsBool(c.get())) || (numeric && cJSON_IsNumber(c.get())) ||
                   (f->nullable && cJSON_IsNull(c.get()));
    if (!type_ok) {
      return *err = std::string(f->is_const ? "const" : "enum") + " value " + describe_json(c.get()) + " is not " +
                    type_name(f->type),
             false;
    }
  }
  if (f->default_value) {
    std::vector<std::string> problems;
    check_constraints(*f, f->default_value.get(), &problems);
    if (!problems.empty()) {
      return *err = "default value is invalid: " + problems.front(), false;
    }
  }
  return true;
}

}  // namespace omega::settingsd::schema_internal
