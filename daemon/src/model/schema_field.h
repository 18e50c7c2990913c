// Internal to the schema (schema.cc, schema_field.cc, schema_values.cc): one property's parsed
// constraints, and the checks that apply them. Not part of the daemon's interface.
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

enum class Type { kString, kInteger, kNumber, kBoolean };

constexpr double kMaxExactInteger = 9007199254740991.0;  // 2^53 - 1: exact in a double

}  // namespace schema_internal

struct FieldSpec {
  using Type = schema_internal::Type;
  std::string key;
  Type type = Type::kString;
  bool has_type = false;
  bool nullable = false;
  bool required = false;
  bool secret = false;
  JsonPtr default_value;         // null pointer: no default
  std::vector<JsonPtr> choices;  // enum, or const as a single choice
  bool is_const = false;
  std::optional<double> minimum, maximum, exclusive_minimum, exclusive_maximum;
  std::optional<size_t> min_length, max_length;
  std::string pattern_text;
  std::optional<std::regex> pattern;
  std::string format;
};

namespace schema_internal {

// schema_field.cc: reading one property of the schema document.
bool parse_field_spec(const std::string& key, const cJSON* prop, FieldSpec* f, std::string* err);
bool is_upper_snake(std::string_view key);
bool is_annotation(std::string_view keyword);  // title, description, ...: ignored

// schema_values.cc: typing and checking values.
// .env text -> typed JSON value (before constraint checks); nullptr + *problem if the text is
// not of the field's type. A string enum value is canonicalized ("debug" -> "DEBUG").
cJSON* coerce_text(const FieldSpec& f, std::string_view text, std::string* problem);
// Appends one message per failed constraint; never a secret value.
void check_constraints(const FieldSpec& f, const cJSON* v, std::vector<std::string>* problems);
std::string format_number(double d);  // shortest text that reads back exactly
std::string quote_for_message(std::string_view text);
std::string describe_json(const cJSON* v);
const char* type_name(Type t);  // with its article: "an integer"

}  // namespace schema_internal
}  // namespace omega::settingsd
