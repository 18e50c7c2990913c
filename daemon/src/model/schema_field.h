// Internal to the schema (schema.cc, schema_field.cc, schema_values.cc, schema_containers.cc):
// one value's parsed constraints, and the checks that apply them. Not part of the daemon's
// interface.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <cjson/cJSON.h>

#include "model/json_tree.h"

namespace omega::settingsd {
namespace schema_internal {

// kAny is the empty schema ({} or true): any JSON value, allowed only inside an array or a map.
enum class Type { kString, kInteger, kNumber, kBoolean, kArray, kObject, kAny };

constexpr double kMaxExactInteger = 9007199254740991.0;  // 2^53 - 1: exact in a double

}  // namespace schema_internal

// One value's constraints: a setting (a top-level property), or the items of an array, the
// values or keys of a map. $ref/allOf are merged into the spec that uses them.
struct FieldSpec {
  using Type = schema_internal::Type;
  std::string key;  // the setting's name (top level only)
  Type type = Type::kString;
  bool has_type = false;
  bool nullable = false;
  bool required = false;
  bool secret = false;           // writeOnly / format password here or anywhere inside
  JsonPtr default_value;         // null pointer: no default (top level only)
  std::vector<JsonPtr> choices;  // enum, or const as a single choice
  bool is_const = false;
  std::optional<double> minimum, maximum, exclusive_minimum, exclusive_maximum, multiple_of;
  std::optional<size_t> min_length, max_length;
  std::string pattern_text;
  std::optional<std::regex> pattern;
  std::string format;
  // type "array": items (null: any JSON value), minItems, maxItems, uniqueItems.
  std::shared_ptr<const FieldSpec> items;
  std::optional<size_t> min_items, max_items;
  bool unique_items = false;
  // type "object", a map: additionalProperties as a schema (null: any JSON value),
  // propertyNames (null: any key), minProperties, maxProperties.
  std::shared_ptr<const FieldSpec> values;
  std::shared_ptr<const FieldSpec> key_names;
  std::optional<size_t> min_properties, max_properties;

  bool is_container() const { return type == Type::kArray || type == Type::kObject; }
};

namespace schema_internal {

// schema_field.cc: reading one property of the schema document, with its $refs resolved
// against the document's "$defs" (or pydantic v1's "definitions"); either may be null.
bool parse_field_spec(const std::string& key, const cJSON* prop, const cJSON* defs, const cJSON* definitions,
                      FieldSpec* f, std::string* err);
bool is_upper_snake(std::string_view key);
bool is_annotation(std::string_view keyword);  // title, description, ...: ignored

// schema_values.cc: typing and checking values. `quiet` (inside a secret): messages never
// quote the value. Messages about a part of a container start with its path ("[2]: ...",
// "[\"cpu\"]: ...").
//
// .env text -> typed JSON value (before constraint checks); nullptr + *problems if the text is
// not of the type. A string enum value is canonicalized ("debug" -> "DEBUG"). An array or map
// is JSON text, as pydantic-settings reads it (json.loads).
cJSON* coerce_text(const FieldSpec& f, std::string_view text, bool quiet, std::vector<std::string>* problems);
// A JSON value (a PATCH value, or a part of a container) -> typed value: numbers and booleans
// must match the type, a string for a non-string scalar is read like .env text ("45" for an
// integer), arrays and maps part by part.
cJSON* coerce_json(const FieldSpec& f, const cJSON* v, bool quiet, std::vector<std::string>* problems);
// Appends one message per failed constraint, containers part by part.
void check_constraints(const FieldSpec& f, const cJSON* v, bool quiet, std::vector<std::string>* problems);
std::string format_number(double d);  // shortest text that reads back exactly
std::string quote_for_message(std::string_view text);
std::string describe_json(const cJSON* v);
const char* type_name(Type t);  // with its article: "an integer"

// schema_containers.cc: the array and map halves of coerce_json and check_constraints.
cJSON* coerce_container(const FieldSpec& f, const cJSON* v, bool quiet, std::vector<std::string>* problems);
void check_container(const FieldSpec& f, const cJSON* v, bool quiet, std::vector<std::string>* problems);
// Prefixes a part's messages with its path: "[2]" + "must be >= 1" -> "[2]: must be >= 1",
// "[2]" + "[\"a\"]: ..." -> "[2][\"a\"]: ...".
void append_at(const std::string& path, std::vector<std::string>&& part, std::vector<std::string>* problems);

}  // namespace schema_internal
}  // namespace omega::settingsd
