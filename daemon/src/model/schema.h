// The settings schema: a JSON Schema document in the shape pydantic's model_json_schema()
// emits. Turns .env text into the typed snapshot, and PATCH values into .env text.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <cjson/cJSON.h>

namespace omega::settingsd {

struct FieldError {
  std::string key;      // the property name ("" for a document-level problem)
  std::string message;  // never contains a secret value
};

struct FieldSpec;  // one property's parsed constraints (schema_field.h)

// Threading: a parsed Schema is immutable; its const methods may run on several threads at once.
// Copies are cheap (they share the parsed fields).
//
// Coercion of text (a .env value, or a JSON string in a PATCH), strict and whole-text:
//   integer  [+-]?digits, within +-(2^53-1) so the double in the snapshot is exact
//   number   decimal or exponent notation; nan/inf/1e400 are errors
//   boolean  true/false, 1/0, yes/no, on/off, t/f, y/n (any case); written back as true/false
//   string   as is; tab/LF/CR allowed, other control characters and NUL are errors
//   array, object (a map)  JSON text, as pydantic-settings reads a list/dict field (json.loads),
//            parsed strictly; each part is then typed like a PATCH value (below) and checked
//            like a scalar of its schema; written back as compact JSON text
//   optional (anyOf null) scalar, not string: "" is null; array/map: the JSON text null
// Checks: minLength/maxLength count characters (code points); pattern is an ECMAScript search
// (unanchored, as in JSON Schema) on values up to 4096 bytes; format "uri" (and pydantic's
// "multi-host-uri") needs scheme:rest without spaces; other formats are annotations;
// multipleOf as pydantic checks it; minItems/maxItems/uniqueItems, minProperties/
// maxProperties/propertyNames on the whole container.
// Schema documents: unknown keywords are refused (a silently skipped constraint would let
// invalid settings through); additionalProperties must be false or absent at the top level;
// defaults must pass their own constraints.
class Schema {
 public:
  // Parses a JSON Schema document in pydantic's model_json_schema() shape: properties/
  // required/type/default/enum/const/minimum/maximum/exclusiveMinimum/exclusiveMaximum/
  // multipleOf/minLength/maxLength/pattern/format/writeOnly; arrays (items, minItems, maxItems,
  // uniqueItems) and maps (additionalProperties as a schema, propertyNames, minProperties,
  // maxProperties); anyOf with {"type":"null"} for Optional; local "$ref": "#/$defs/Name" (or
  // pydantic v1's #/definitions/) with allOf wrappers around it. Refused with a clear message:
  // remote refs, ref cycles, nested models (properties inside a setting), tuples, oneOf, other
  // unions. "title"/"description" and other annotations are ignored. Keys are UPPER_SNAKE_CASE
  // property names. The text is parsed strictly (parse_strict_json). `error` may be null.
  static bool parse(std::string_view json_text, Schema* out, std::string* error);

  bool has_key(std::string_view key) const;
  bool is_secret(std::string_view key) const;  // "writeOnly": true or "format": "password"
  std::vector<std::string> keys() const;       // sorted

  // Coerces .env text values to the schema's types ("30" -> 30, "true" -> true, strict:
  // "30x" is an error), applies defaults for absent keys, checks every constraint, rejects
  // unknown keys and missing required keys. Returns a new cJSON object (caller owns; keys sorted)
  // or nullptr with *errors listing EVERY problem (sorted by key). A string enum also accepts a
  // case-insensitive match of exactly one member and stores that member ("debug" -> "DEBUG").
  // An optional (anyOf null) key without a default is JSON null when absent.
  cJSON* validate_env(const std::map<std::string, std::string>& env, std::vector<FieldError>* errors) const;

  // Converts one typed JSON value from a PATCH body into its .env text, checking it against the
  // key's schema (type, ranges, enum, pattern, length, finite numbers, no NUL/control chars where
  // not allowed, valid UTF-8). false + *error on failure. Unknown key -> false.
  // JSON numbers/booleans must match the key's type; a JSON string is coerced like .env text
  // ("45" is accepted for an integer, "debug" gives "DEBUG" for a LOG_LEVEL enum, "[1,2]" for
  // an array). Numbers come out in their shortest exact form ("45", "0.1"). An array or a map
  // (a JSON array/object, each part typed by the same rules) comes out as compact JSON text with
  // ', \ and $ escaped as \u0027, \u005c and \u0024, so it is quoted literally in the .env and
  // python-dotenv (which unescapes \\ and expands ${X} even in single quotes) + json.loads read
  // it back as the same value. A JSON null is accepted only for
  // optional keys and gives "" (callers normally treat a patch null as "unset": remove the line).
  bool value_to_env_text(std::string_view key, const cJSON* value, std::string* out, std::string* error) const;

 private:
  const FieldSpec* find(std::string_view key) const;
  std::map<std::string, std::shared_ptr<const FieldSpec>, std::less<>> fields_;
};

}  // namespace omega::settingsd
