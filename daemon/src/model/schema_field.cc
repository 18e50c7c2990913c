// Reading one property of the schema document into a FieldSpec: the keywords of the subset,
// the wrappers pydantic puts around them (anyOf with {"type": "null"} for Optional, a $ref to a
// "$defs" entry for an Enum class, a one-branch allOf around that $ref in older versions),
// arrays and maps with the schemas of their parts, and checks that the schema is coherent.
// Unknown keywords are refused rather than ignored: a constraint the writer silently skipped
// would let invalid settings reach every reader.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "model/schema_field.h"

namespace omega::settingsd::schema_internal {
namespace {

constexpr size_t kMaxPatternLength = 1024;
constexpr size_t kMaxRefDepth = 32;
// Schema objects read for one property, $refs expanded: a small document whose $refs fan out
// (allOf of two refs to a definition that does the same...) must not expand exponentially.
constexpr size_t kMaxNodes = 4096;

// Where a schema object sits, which decides what it may say.
struct Where {
  bool property = false;  // the setting itself, or a $ref/allOf it is made of: may carry "default"
  bool branch = false;    // inside anyOf: no second anyOf
  bool merged = false;    // reached through $ref/allOf: the referring schema's own default wins
};

bool type_from_name(std::string_view name, Type* out) {
  static const std::pair<const char*, Type> kNames[] = {
      {"string", Type::kString},   {"integer", Type::kInteger}, {"number", Type::kNumber},
      {"boolean", Type::kBoolean}, {"array", Type::kArray},     {"object", Type::kObject},
  };
  for (const auto& [n, t] : kNames) {
    if (name == n) return *out = t, true;
  }
  return false;
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

// {} (or only annotations) and true: any JSON value.
bool is_empty_schema(const cJSON* schema) {
  if (cJSON_IsTrue(schema)) return true;
  if (!cJSON_IsObject(schema)) return false;
  for (const cJSON* kw = schema->child; kw; kw = kw->next) {
    if (!is_annotation(kw->string)) return false;
  }
  return true;
}

bool read_type(const cJSON* v, FieldSpec* f, std::string* err) {
  const char* bad =
      "type must be \"string\", \"integer\", \"number\", \"boolean\", \"array\" or \"object\" (or a list of one "
      "of those and \"null\")";
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

bool read_choices(const cJSON* kw, FieldSpec* f, std::string* err) {
  std::string_view name = kw->string;
  if (!f->choices.empty()) return *err = "enum/const is given twice", false;
  if (name == "const") {
    f->is_const = true;
    f->choices.emplace_back(cJSON_Duplicate(kw, true));
  } else {
    if (!cJSON_IsArray(kw) || !kw->child) return *err = "enum must be a non-empty list", false;
    for (const cJSON* item = kw->child; item; item = item->next) f->choices.emplace_back(cJSON_Duplicate(item, true));
  }
  for (const JsonPtr& c : f->choices) {
    if (!(cJSON_IsString(c.get()) || cJSON_IsNumber(c.get()) || cJSON_IsBool(c.get()) || cJSON_IsNull(c.get()))) {
      return *err = std::string(name) + " values must be strings, numbers, booleans or null", false;
    }
    if (cJSON_IsNull(c.get())) f->nullable = true;  // Literal["a", None]
  }
  return true;
}

bool read_pattern(const cJSON* kw, FieldSpec* f, std::string* err) {
  if (!cJSON_IsString(kw)) return *err = "pattern must be a string", false;
  if (f->pattern) return *err = "pattern is given twice", false;
  if (std::strlen(kw->valuestring) > kMaxPatternLength) return *err = "pattern is longer than 1024 characters", false;
  try {
    f->pattern.emplace(kw->valuestring, std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    return *err = "pattern is not a valid ECMAScript regular expression", false;
  }
  f->pattern_text = kw->valuestring;
  return true;
}

// Reads the schema objects of one property, following its $refs.
class Reader {
 public:
  Reader(const cJSON* defs, const cJSON* definitions) : defs_(defs), definitions_(definitions) {}

  // Reads obj's keywords into f (several objects may add to one spec: $ref, allOf).
  bool read(const cJSON* obj, FieldSpec* f, Where where, std::string* err);
  // After every keyword is in: infers a missing type, checks that the keywords fit the type.
  bool finish(FieldSpec* f, bool property, std::string* err);

 private:
  bool read_keyword(const cJSON* kw, FieldSpec* f, Where where, std::string* err);
  bool read_any_of(const cJSON* v, FieldSpec* f, std::string* err);
  bool read_all_of(const cJSON* v, FieldSpec* f, Where where, std::string* err);
  bool read_ref(const cJSON* v, FieldSpec* f, Where where, std::string* err);
  // A schema for a part (items, additionalProperties, propertyNames) as a spec of its own.
  bool read_part(const cJSON* schema, const char* keyword, std::shared_ptr<const FieldSpec>* out, std::string* err);

  const cJSON* defs_;
  const cJSON* definitions_;
  std::vector<std::string> resolving_;  // the $refs being read, outermost first
  size_t nodes_ = 0;
};

bool Reader::read(const cJSON* obj, FieldSpec* f, Where where, std::string* err) {
  if (++nodes_ > kMaxNodes) {
    return *err =
               "is too large once its $refs are expanded (more than " + std::to_string(kMaxNodes) + " schema objects)",
           false;
  }
  if (!cJSON_IsObject(obj)) return *err = "must be a JSON object", false;
  for (const cJSON* kw = obj->child; kw; kw = kw->next) {
    if (is_annotation(kw->string)) continue;
    if (!read_keyword(kw, f, where, err)) return false;
  }
  return true;
}

bool Reader::read_keyword(const cJSON* kw, FieldSpec* f, Where where, std::string* err) {
  std::string_view name = kw->string;
  if (name == "type") return read_type(kw, f, err);
  if (name == "anyOf") {
    if (where.branch) return *err = "anyOf inside anyOf is not supported", false;
    return read_any_of(kw, f, err);
  }
  if (name == "allOf") return read_all_of(kw, f, where, err);
  if (name == "$ref") return read_ref(kw, f, where, err);
  if (name == "default") {
    if (!where.property) {
      return *err = "default is supported only on a setting itself, not inside anyOf, items or a map", false;
    }
    if (!where.merged || !f->default_value) f->default_value.reset(cJSON_Duplicate(kw, true));
    return true;
  }
  if (name == "enum" || name == "const") return read_choices(kw, f, err);
  if (name == "minimum") return read_number(kw, "minimum", &f->minimum, err);
  if (name == "maximum") return read_number(kw, "maximum", &f->maximum, err);
  if (name == "exclusiveMinimum") return read_number(kw, "exclusiveMinimum", &f->exclusive_minimum, err);
  if (name == "exclusiveMaximum") return read_number(kw, "exclusiveMaximum", &f->exclusive_maximum, err);
  if (name == "multipleOf") {
    if (!read_number(kw, "multipleOf", &f->multiple_of, err)) return false;
    if (!(*f->multiple_of > 0)) return *err = "multipleOf must be above 0", false;
    return true;
  }
  if (name == "minLength") return read_length(kw, "minLength", &f->min_length, err);
  if (name == "maxLength") return read_length(kw, "maxLength", &f->max_length, err);
  if (name == "pattern") return read_pattern(kw, f, err);
  if (name == "format") {
    if (!cJSON_IsString(kw)) return *err = "format must be a string", false;
    if (!f->format.empty() && f->format != kw->valuestring) return *err = "conflicting formats", false;
    f->format = kw->valuestring;
    if (f->format == "password") f->secret = true;
    return true;
  }
  if (name == "writeOnly") {
    if (!cJSON_IsBool(kw)) return *err = "writeOnly must be true or false", false;
    if (cJSON_IsTrue(kw)) f->secret = true;
    return true;
  }
  if (name == "items") {
    if (f->items) return *err = "items is given twice", false;
    if (cJSON_IsArray(kw)) return *err = "items must be one schema (tuples are not supported: use list[...])", false;
    return read_part(kw, "items", &f->items, err);
  }
  if (name == "minItems") return read_length(kw, "minItems", &f->min_items, err);
  if (name == "maxItems") return read_length(kw, "maxItems", &f->max_items, err);
  if (name == "uniqueItems") {
    if (!cJSON_IsBool(kw)) return *err = "uniqueItems must be true or false", false;
    f->unique_items = f->unique_items || cJSON_IsTrue(kw);
    return true;
  }
  if (name == "additionalProperties") {
    if (f->values) return *err = "additionalProperties is given twice", false;
    if (cJSON_IsFalse(kw)) {
      return *err =
                 "additionalProperties: false is supported only at the top level (a map that must stay empty "
                 "cannot hold settings)",
             false;
    }
    return read_part(kw, "additionalProperties", &f->values, err);
  }
  if (name == "propertyNames") {
    if (f->key_names) return *err = "propertyNames is given twice", false;
    return read_part(kw, "propertyNames", &f->key_names, err);
  }
  if (name == "minProperties") return read_length(kw, "minProperties", &f->min_properties, err);
  if (name == "maxProperties") return read_length(kw, "maxProperties", &f->max_properties, err);
  if (name == "properties" || name == "required" || name == "patternProperties") {
    return *err = "nested models (" + std::string(name) +
                  ") are not supported: make each value a top-level setting, or use dict[str, ...] for a map",
           false;
  }
  if (name == "prefixItems") return *err = "tuples (prefixItems) are not supported: use list[...]", false;
  if (name == "oneOf") {
    return *err =
               "oneOf is not supported (a union of several types cannot be checked here: use one type, or "
               "Optional[...])",
           false;
  }
  return *err = "unsupported keyword \"" + std::string(name) + "\"", false;
}

bool Reader::read_any_of(const cJSON* v, FieldSpec* f, std::string* err) {
  const char* shape = "anyOf is supported only as [{...one type...}, {\"type\": \"null\"}] (an Optional field)";
  if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2) return *err = shape, false;
  const cJSON* first = cJSON_GetArrayItem(v, 0);
  const cJSON* second = cJSON_GetArrayItem(v, 1);
  const cJSON* branch = is_null_branch(second) ? first : is_null_branch(first) ? second : nullptr;
  if (!branch || !cJSON_IsObject(branch) || is_null_branch(branch)) return *err = shape, false;
  if (f->nullable) return *err = "anyOf is given twice", false;
  f->nullable = true;
  return read(branch, f, Where{false, true, false}, err);
}

// allOf: every branch applies, so each one's keywords are merged into the spec (a keyword two
// branches both give is refused as given twice, never silently dropped).
bool Reader::read_all_of(const cJSON* v, FieldSpec* f, Where where, std::string* err) {
  if (!cJSON_IsArray(v) || !v->child) return *err = "allOf must be a non-empty list of schemas", false;
  where.merged = true;
  for (const cJSON* branch = v->child; branch; branch = branch->next) {
    if (!read(branch, f, where, err)) return false;
  }
  return true;
}

bool Reader::read_ref(const cJSON* v, FieldSpec* f, Where where, std::string* err) {
  if (!cJSON_IsString(v)) return *err = "$ref must be a string", false;
  const std::string ref = v->valuestring;
  const std::string shown = quote_for_message(ref);
  const cJSON* table = nullptr;
  std::string rest;
  if (ref.rfind("#/$defs/", 0) == 0) {
    table = defs_;
    rest = ref.substr(8);
  } else if (ref.rfind("#/definitions/", 0) == 0) {
    table = definitions_;
    rest = ref.substr(14);
  } else if (!ref.empty() && ref[0] == '#') {
    return *err = "$ref " + shown + " is not supported: only references to #/$defs/<Name> are", false;
  } else {
    return *err = "$ref " + shown + " is a remote reference: only local references (#/$defs/<Name>) are supported",
           false;
  }
  if (rest.empty() || rest.find('/') != std::string::npos) {
    return *err = "$ref " + shown + " is not supported: only references to #/$defs/<Name> are", false;
  }
  std::string name;  // JSON Pointer unescaping: ~1 is '/', ~0 is '~'
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '~' && i + 1 < rest.size() && (rest[i + 1] == '0' || rest[i + 1] == '1')) {
      name += rest[++i] == '0' ? '~' : '/';
    } else {
      name += rest[i];
    }
  }
  if (!table) return *err = "$ref " + shown + " names a definition, but the document has no such section", false;
  const cJSON* target = cJSON_GetObjectItemCaseSensitive(table, name.c_str());
  if (!target) return *err = "$ref " + shown + " names a definition that does not exist", false;
  if (std::find(resolving_.begin(), resolving_.end(), ref) != resolving_.end()) {
    std::string cycle;
    for (const std::string& r : resolving_) cycle += r + " -> ";
    return *err = "$ref cycle " + quote_for_message(cycle + ref) + ": a recursive type cannot be a setting", false;
  }
  if (resolving_.size() >= kMaxRefDepth) return *err = "$refs are nested more than 32 deep", false;
  resolving_.push_back(ref);
  where.merged = true;
  std::string inner;
  bool ok = read(target, f, where, &inner);
  resolving_.pop_back();
  if (!ok) {
    // Name the definition once, at the innermost $ref that failed.
    *err = inner.rfind("$defs ", 0) == 0 || inner.rfind("$ref", 0) == 0
               ? inner
               : "$defs " + quote_for_message(name) + ": " + inner;
  }
  return ok;
}

bool Reader::read_part(const cJSON* schema, const char* keyword, std::shared_ptr<const FieldSpec>* out,
                       std::string* err) {
  auto part = std::make_shared<FieldSpec>();
  std::string inner;
  if (is_empty_schema(schema)) {
    part->type = Type::kAny;
    part->has_type = true;
  } else if (!cJSON_IsObject(schema)) {
    return *err = std::string(keyword) + " must be a schema (a JSON object)", false;
  } else if (!read(schema, part.get(), Where{}, &inner) || !finish(part.get(), false, &inner)) {
    return *err = std::string(keyword) + ": " + inner, false;
  }
  *out = std::move(part);
  return true;
}

bool Reader::finish(FieldSpec* f, bool property, std::string* err) {
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
  const char* kind = type_name(f->type);
  bool numeric = f->type == Type::kInteger || f->type == Type::kNumber;
  if (!numeric && (f->minimum || f->maximum || f->exclusive_minimum || f->exclusive_maximum || f->multiple_of)) {
    return *err = std::string("minimum/maximum/multipleOf apply to numbers, not to ") + kind, false;
  }
  if (f->type != Type::kString && (f->min_length || f->max_length || f->pattern)) {
    return *err = std::string("minLength/maxLength/pattern apply to strings, not to ") + kind, false;
  }
  if (f->type != Type::kArray && (f->items || f->min_items || f->max_items || f->unique_items)) {
    return *err = std::string("items/minItems/maxItems/uniqueItems apply to arrays, not to ") + kind, false;
  }
  if (f->type != Type::kObject && (f->values || f->key_names || f->min_properties || f->max_properties)) {
    return *err = std::string("additionalProperties/propertyNames/minProperties/maxProperties apply to maps, not to ") +
                  kind,
           false;
  }
  if (f->key_names && (f->key_names->type != Type::kString || f->key_names->nullable)) {
    return *err = "propertyNames must describe strings (map keys are strings)", false;
  }
  if (f->is_container() && !f->choices.empty()) {
    return *err = std::string(f->is_const ? "const" : "enum") + " on " + kind + " is not supported", false;
  }
  for (const JsonPtr& c : f->choices) {
    bool type_ok = (f->type == Type::kString && cJSON_IsString(c.get())) ||
                   (f->type == Type::kBoolean && cJSON_IsBool(c.get())) || (numeric && cJSON_IsNumber(c.get())) ||
                   (f->nullable && cJSON_IsNull(c.get()));
    if (!type_ok) {
      return *err =
                 std::string(f->is_const ? "const" : "enum") + " value " + describe_json(c.get()) + " is not " + kind,
             false;
    }
  }
  // A secret anywhere inside makes the whole value secret: it is masked and never quoted whole.
  if ((f->items && f->items->secret) || (f->values && f->values->secret)) f->secret = true;
  if (property && f->default_value) {
    std::vector<std::string> problems;
    check_constraints(*f, f->default_value.get(), f->secret, &problems);
    if (!problems.empty()) return *err = "default value is invalid: " + problems.front(), false;
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

bool parse_field_spec(const std::string& key, const cJSON* prop, const cJSON* defs, const cJSON* definitions,
                      FieldSpec* f, std::string* err) {
  f->key = key;
  if (!is_upper_snake(key)) {
    return *err = "is not an UPPER_SNAKE_CASE name: declare the field as " +
                  std::string("UPPER_CASE (or give it an UPPER_CASE alias)"),
           false;
  }
  if (!cJSON_IsObject(prop)) return *err = "must be a JSON object", false;
  Reader reader(defs, definitions);
  return reader.read(prop, f, Where{true, false, false}, err) && reader.finish(f, true, err);
}

}  // namespace omega::settingsd::schema_internal
