// The schema beyond flat scalars, in the shapes pydantic emits: $ref into $defs (Enum classes),
// the allOf/anyOf wrappers around it, arrays and maps written in the .env as JSON text, their
// parts checked like scalars, and PATCH values for them written back as JSON text.
#include <criterion/criterion.h>

#include <string>

#include "model/json_tree.h"
#include "model/schema.h"

using omega::settingsd::FieldError;
using omega::settingsd::json_print;
using omega::settingsd::JsonPtr;
using omega::settingsd::parse_strict_json;
using omega::settingsd::Schema;
using Env = std::map<std::string, std::string>;

namespace {

// Compares as std::string so temporaries live through the comparison; names the caller's line.
#define EXPECT_STR(actual, expected) expect_str((actual), (expected), __LINE__)
void expect_str(const std::string& actual, const std::string& expected, int line) {
  cr_assert(actual == expected, "line %d: got [%s], want [%s]", line, actual.c_str(), expected.c_str());
}

// What pydantic 2 emits for: class Color(str, Enum) + COLOR: Color = Color.RED,
// OPT_COLOR: Optional[Color] = None, COLORS: list[Color], TAGS: list[str],
// WEIGHTS: dict[str, float], PORTS: set[conint(ge=1, le=65535)] (min 1 item),
// BY_COLOR: dict[Color, int], TOKENS: list[SecretStr]; and OLD: the allOf wrapper of pydantic
// before 2.9, with a description beside the $ref.
const char* kSchema = R"({
  "$defs": {"Color": {"enum": ["red", "green"], "title": "Color", "type": "string"}},
  "additionalProperties": false,
  "type": "object",
  "properties": {
    "COLOR": {"$ref": "#/$defs/Color", "default": "red"},
    "OPT_COLOR": {"anyOf": [{"$ref": "#/$defs/Color"}, {"type": "null"}], "default": null},
    "OLD": {"allOf": [{"$ref": "#/$defs/Color"}], "default": "green", "description": "d"},
    "COLORS": {"items": {"$ref": "#/$defs/Color"}, "type": "array", "default": ["red"]},
    "TAGS": {"items": {"type": "string", "maxLength": 5}, "type": "array", "default": []},
    "WEIGHTS": {"additionalProperties": {"type": "number", "minimum": 0}, "type": "object", "default": {}},
    "PORTS": {"items": {"type": "integer", "minimum": 1, "maximum": 65535}, "type": "array",
              "uniqueItems": true, "minItems": 1, "maxItems": 3, "default": [80]},
    "BY_COLOR": {"additionalProperties": {"type": "integer"}, "propertyNames": {"$ref": "#/$defs/Color"},
                 "type": "object", "maxProperties": 1, "default": {}},
    "OPT_TAGS": {"anyOf": [{"items": {"type": "string"}, "type": "array"}, {"type": "null"}], "default": null},
    "GRID": {"items": {"items": {"type": "integer"}, "type": "array"}, "type": "array", "default": []},
    "MAYBE": {"items": {"anyOf": [{"type": "integer"}, {"type": "null"}]}, "type": "array", "default": []},
    "ANYTHING": {"additionalProperties": true, "type": "object", "default": {}},
    "TOKENS": {"items": {"format": "password", "type": "string", "writeOnly": true, "minLength": 8},
               "type": "array", "default": []}
  }
})";

Schema load(const std::string& text = kSchema) {
  Schema s;
  std::string error;
  cr_assert(Schema::parse(text, &s, &error), "schema rejected: %s", error.c_str());
  return s;
}

std::string schema_error(const std::string& text) {
  Schema s;
  std::string error;
  cr_assert_not(Schema::parse(text, &s, &error), "accepted: %s", text.c_str());
  cr_assert_not(error.empty());
  return error;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The snapshot's value for key, as compact JSON, when env validates.
std::string typed(const Schema& s, const std::string& key, const std::string& text) {
  std::vector<FieldError> errors;
  cJSON* snap = s.validate_env({{key, text}}, &errors);
  cr_assert_not_null(snap, "%s=%s rejected: %s", key.c_str(), text.c_str(),
                     errors.empty() ? "" : errors[0].message.c_str());
  std::string out = json_print(cJSON_GetObjectItemCaseSensitive(snap, key.c_str()));
  cJSON_Delete(snap);
  return out;
}

// Every message for key when its .env text is `text`.
std::vector<std::string> refused(const Schema& s, const std::string& key, const std::string& text) {
  std::vector<FieldError> errors;
  cJSON* snap = s.validate_env({{key, text}}, &errors);
  cr_assert_null(snap, "%s=%s accepted", key.c_str(), text.c_str());
  std::vector<std::string> out;
  for (const FieldError& e : errors) {
    cr_assert_eq(e.key, key, "error for %s, not %s", e.key.c_str(), key.c_str());
    out.push_back(e.message);
  }
  cr_assert_not(out.empty());
  return out;
}

std::string one(const std::vector<std::string>& messages) {
  cr_assert_eq(messages.size(), 1u, "%zu messages, first: %s", messages.size(), messages[0].c_str());
  return messages[0];
}

std::string patch(const Schema& s, const char* key, const std::string& json, std::string* error = nullptr) {
  std::string err;
  cJSON* v = parse_strict_json(json, 16, &err);
  cr_assert_not_null(v, "%s", err.c_str());
  std::string out;
  bool ok = s.value_to_env_text(key, v, &out, &err);
  cJSON_Delete(v);
  if (error) {
    cr_assert_not(ok, "%s=%s accepted as %s", key, json.c_str(), out.c_str());
    *error = err;
    return "";
  }
  cr_assert(ok, "%s=%s: %s", key, json.c_str(), err.c_str());
  return out;
}

std::string with_property(const std::string& prop, const std::string& defs = "") {
  return R"({"type":"object",)" + (defs.empty() ? "" : R"("$defs":)" + defs + ",") + R"("properties":{"K":)" + prop +
         "}}";
}

}  // namespace

// --- $ref and $defs -----------------------------------------------------------------------

Test(schema_refs, an_enum_class_through_ref_and_its_wrappers) {
  Schema s = load();
  std::vector<FieldError> errors;
  cJSON* snap = s.validate_env({}, &errors);
  cr_assert_not_null(snap);
  std::string all = json_print(snap);
  cJSON_Delete(snap);
  cr_assert(contains(all, R"("COLOR":"red")"), "%s", all.c_str());
  cr_assert(contains(all, R"("OPT_COLOR":null)"), "%s", all.c_str());
  cr_assert(contains(all, R"("OLD":"green")"), "%s", all.c_str());
  EXPECT_STR(typed(s, "COLOR", "green"), "\"green\"");
  EXPECT_STR(typed(s, "OPT_COLOR", "green"), "\"green\"");
  EXPECT_STR(typed(s, "OLD", "red"), "\"red\"");
  cr_assert(contains(one(refused(s, "COLOR", "blue")), "must be one of \"red\", \"green\""));
  cr_assert(contains(one(refused(s, "OLD", "blue")), "must be one of"));
  cr_assert(contains(one(refused(s, "OPT_COLOR", "blue")), "must be one of"));
}

Test(schema_refs, pydantic_v1_definitions_and_the_referring_default_wins) {
  Schema s = load(R"({"type":"object","definitions":{"L":{"enum":["a","b"],"type":"string","default":"a"}},
      "properties":{"K":{"$ref":"#/definitions/L"},"J":{"$ref":"#/definitions/L","default":"b"},
      "I":{"default":"b","allOf":[{"$ref":"#/definitions/L"}]}}})");
  std::vector<FieldError> errors;
  cJSON* snap = s.validate_env({}, &errors);
  cr_assert_not_null(snap);
  std::string all = json_print(snap);
  cJSON_Delete(snap);
  EXPECT_STR(all, R"({"I":"b","J":"b","K":"a"})");
}

Test(schema_refs, refs_must_be_local_defined_and_acyclic) {
  struct Case {
    std::string text;
    const char* message;
  } cases[] = {
      {with_property(R"({"$ref":"https://example.com/s.json#/$defs/L"})"), "remote reference"},
      {with_property(R"({"$ref":"other.json"})"), "remote reference"},
      {with_property(R"({"$ref":"#/properties/J"})"), "only references to #/$defs/<Name>"},
      {with_property(R"({"$ref":"#/$defs/L/enum"})", R"({"L":{"enum":["a"]}})"), "only references to #/$defs"},
      {with_property(R"({"$ref":"#/$defs/Missing"})", R"({"L":{"enum":["a"]}})"), "does not exist"},
      {with_property(R"({"$ref":"#/$defs/L"})"), "no such section"},
      {with_property(R"({"$ref":7})"), "$ref must be a string"},
      {with_property(R"({"$ref":"#/$defs/L"})", R"({"L":{"type":"array","items":{"$ref":"#/$defs/L"}}})"),
       "$ref cycle"},
      {with_property(R"({"$ref":"#/$defs/A"})", R"({"A":{"$ref":"#/$defs/B"},"B":{"$ref":"#/$defs/A"}})"),
       "$ref cycle \"#/$defs/A -> #/$defs/B -> #/$defs/A\""},
      {with_property(R"({"$ref":"#/$defs/L"})", R"({"L":{"type":"string","maxLength":"x"}})"),
       "$defs \"L\": maxLength must be"},
      {R"({"type":"object","$defs":[],"properties":{}})", "$defs must be an object"},
      {with_property(R"({"$ref":"#/$defs/L"})", R"({"L":{"type":"object","properties":{"x":{"type":"integer"}}}})"),
       "nested models"},
      {with_property(R"({"allOf":[]})"), "allOf must be a non-empty list"},
      {with_property(R"({"allOf":[{"enum":["a"]},{"enum":["b"]}]})"), "given twice"},
      {with_property(R"({"oneOf":[{"type":"string"},{"type":"integer"}]})"), "oneOf is not supported"},
  };
  for (const Case& c : cases) {
    std::string e = schema_error(c.text);
    cr_assert(contains(e, c.message), "%s -> %s", c.text.c_str(), e.c_str());
  }
}

// A document of a few hundred bytes whose refs fan out 2^30 ways must be refused, not expanded.
Test(schema_refs, fan_out_is_bounded) {
  std::string defs = "{";
  for (int i = 0; i < 30; ++i) {
    std::string next = "#/$defs/D" + std::to_string(i + 1);
    defs += "\"D" + std::to_string(i) + R"(":{"allOf":[{"$ref":")" + next + R"("},{"$ref":")" + next + "\"}]},";
  }
  defs += R"("D30":{"type":"string"}})";
  cr_assert(contains(schema_error(with_property(R"({"$ref":"#/$defs/D0"})", defs)), "too large"));
}

// --- arrays -------------------------------------------------------------------------------

Test(schema_arrays, json_text_in_the_env_becomes_an_array) {
  Schema s = load();
  EXPECT_STR(typed(s, "TAGS", R"(["a", "b"])"), R"(["a","b"])");
  EXPECT_STR(typed(s, "TAGS", "[]"), "[]");
  EXPECT_STR(typed(s, "COLORS", R"(["green","red"])"), R"(["green","red"])");
  // Items follow the PATCH rule: a string for a number is read like .env text.
  EXPECT_STR(typed(s, "PORTS", R"(["443", 80.0])"), "[443,80]");
  EXPECT_STR(typed(s, "GRID", "[[1,2],[],[3]]"), "[[1,2],[],[3]]");
  EXPECT_STR(typed(s, "MAYBE", "[1,null]"), "[1,null]");
  EXPECT_STR(typed(s, "OPT_TAGS", "null"), "null");
  EXPECT_STR(typed(s, "OPT_TAGS", "[\"x\"]"), "[\"x\"]");
}

Test(schema_arrays, text_that_is_not_a_json_array_is_refused) {
  Schema s = load();
  for (const char* bad : {"a,b", "", "[\"a\",]", "[1e400]", "[NaN]", "{\"a\":1}", "\"[1]\"", "[\"a\"] x"}) {
    std::string m = one(refused(s, "TAGS", bad));
    cr_assert(contains(m, "must be an array"), "%s -> %s", bad, m.c_str());
  }
  cr_assert(contains(one(refused(s, "TAGS", "null")), "must not be null"));
  // "" is not null for a list: it is not JSON (pydantic-settings refuses it too).
  cr_assert(contains(one(refused(s, "OPT_TAGS", "")), "written as JSON text"));
}

Test(schema_arrays, every_bad_item_is_named_by_its_index) {
  Schema s = load();
  std::vector<std::string> m = refused(s, "TAGS", R"(["ok", 1, "much-too-long", true])");
  cr_assert_eq(m.size(), 2u);  // types first: 1 and true are not strings
  EXPECT_STR(m[0], "[1]: must be a string");
  EXPECT_STR(m[1], "[3]: must be a string");
  m = refused(s, "TAGS", R"(["ok", "much-too-long", "also-too-long"])");
  cr_assert_eq(m.size(), 2u);
  EXPECT_STR(m[0], "[1]: must be at most 5 characters long");
  cr_assert(contains(one(refused(s, "COLORS", R"(["red","blue"])")), "[1]: must be one of \"red\", \"green\""));
  EXPECT_STR(one(refused(s, "GRID", "[[1],[2,\"x\"]]")), "[1][1]: must be an integer (got \"x\")");
  cr_assert(contains(one(refused(s, "PORTS", "[0]")), "[0]: must be >= 1"));
  cr_assert(contains(one(refused(s, "PORTS", "[1.5]")), "[0]: must be an integer"));
  cr_assert(contains(one(refused(s, "MAYBE", "[\"\"]")), "[0]: must be an integer"));
}

Test(schema_arrays, sizes_and_uniqueness) {
  Schema s = load();
  cr_assert(contains(one(refused(s, "PORTS", "[]")), "must have at least 1 item"));
  cr_assert(contains(one(refused(s, "PORTS", "[1,2,3,4]")), "must have at most 3 items"));
  EXPECT_STR(one(refused(s, "PORTS", "[80, \"80\"]")), "[1]: repeats an earlier item (the items must be unique)");
  Schema objects = load(with_property(R"({"type":"array","uniqueItems":true})"));
  refused(objects, "K", R"([{"a":1,"b":2},{"b":2,"a":1}])");
  typed(objects, "K", R"([{"a":1},{"a":2},[1],"1",1])");
}

Test(schema_arrays, a_secret_inside_makes_the_whole_setting_secret) {
  Schema s = load();
  cr_assert(s.is_secret("TOKENS"));
  cr_assert_not(s.is_secret("TAGS"));
  std::vector<std::string> m = refused(s, "TOKENS", R"(["long-enough-token", "tiny"])");
  for (const std::string& msg : m) cr_assert_not(contains(msg, "tiny"), "%s", msg.c_str());
  std::string e;
  patch(s, "TOKENS", R"(["tiny"])", &e);
  cr_assert_not(contains(e, "tiny"), "%s", e.c_str());
}

// --- maps ---------------------------------------------------------------------------------

Test(schema_maps, json_text_becomes_a_map_with_keys_in_their_order) {
  Schema s = load();
  EXPECT_STR(typed(s, "WEIGHTS", R"({"z": 1, "a": "2.5", "m": 0})"), R"({"z":1,"a":2.5,"m":0})");
  EXPECT_STR(typed(s, "BY_COLOR", R"({"green": 3})"), R"({"green":3})");
  EXPECT_STR(typed(s, "ANYTHING", R"({"a": [1, {"b": null}], "c": "d"})"), R"({"a":[1,{"b":null}],"c":"d"})");
}

Test(schema_maps, keys_values_and_sizes_are_checked) {
  Schema s = load();
  EXPECT_STR(one(refused(s, "WEIGHTS", R"({"cpu": -1})")), "[\"cpu\"]: must be >= 0 (got -1)");
  EXPECT_STR(one(refused(s, "WEIGHTS", R"({"cpu": "x"})")), "[\"cpu\"]: must be a finite number (got \"x\")");
  cr_assert(contains(one(refused(s, "BY_COLOR", R"({"blue": 1})")), "[\"blue\"]: the key must be one of"));
  cr_assert(contains(one(refused(s, "BY_COLOR", R"({"red": 1, "green": 2})")), "at most 1 key"));
  cr_assert(contains(one(refused(s, "WEIGHTS", R"({"a": 1, "a": 2})")), "duplicate key"));
  cr_assert(contains(one(refused(s, "WEIGHTS", "[1]")), "must be an object"));
}

Test(schema_maps, what_a_map_cannot_be) {
  struct Case {
    const char* prop;
    const char* message;
  } cases[] = {
      {R"({"type":"object","properties":{"x":{"type":"integer"}}})", "nested models"},
      {R"({"type":"object","patternProperties":{"^a":{"type":"integer"}}})", "nested models"},
      {R"({"type":"object","additionalProperties":false})", "only at the top level"},
      {R"({"type":"object","propertyNames":{"type":"integer"}})", "propertyNames must describe strings"},
      {R"({"type":"array","prefixItems":[{"type":"integer"}]})", "tuples"},
      {R"({"type":"array","items":[{"type":"integer"}]})", "tuples are not supported"},
      {R"({"type":"string","items":{"type":"integer"}})", "apply to arrays"},
      {R"({"type":"array","additionalProperties":{"type":"integer"}})", "apply to maps"},
      {R"({"type":"array","items":{"type":"integer","default":1}})", "default is supported only on a setting"},
      {R"({"type":"array","items":{"minimum":1}})", "items: has no \"type\""},
      {R"({"type":"array","enum":[1]})", "enum on an array is not supported"},
      {R"({"type":"array","minItems":2,"default":[1]})", "default value is invalid: must have at least 2 items"},
      {R"({"type":"array","items":{"$ref":"#/$defs/Missing"}})", "items: $ref"},
  };
  for (const Case& c : cases) {
    std::string e = schema_error(with_property(c.prop));
    cr_assert(contains(e, c.message), "%s -> %s", c.prop, e.c_str());
  }
}

// --- PATCH values -------------------------------------------------------------------------

Test(schema_patch_nested, arrays_and_maps_become_compact_json_text) {
  Schema s = load();
  EXPECT_STR(patch(s, "TAGS", R"(["a", "b"])"), R"(["a","b"])");
  // A JSON string holding JSON text is read like the .env text.
  EXPECT_STR(patch(s, "TAGS", R"("[\"a\"]")"), R"(["a"])");
  EXPECT_STR(patch(s, "PORTS", R"(["443", 80])"), "[443,80]");
  EXPECT_STR(patch(s, "WEIGHTS", R"({"z": 0.1, "a": 1e-7})"), R"({"z":0.1,"a":1e-07})");
  EXPECT_STR(patch(s, "OPT_TAGS", "null"), "");
  // ', \ and $ never reach the .env as such: the text stays single-quotable, taken literally,
  // and python-dotenv has nothing to unescape or expand.
  EXPECT_STR(patch(s, "ANYTHING", R"({"it's": "C:\\dir \"x\"\n${HOME}"})"),
             R"({"it\u0027s":"C:\u005cdir \"x\"\n\u0024{HOME}"})");
}

Test(schema_patch_nested, bad_values_are_refused_with_every_reason) {
  Schema s = load();
  std::string e;
  patch(s, "TAGS", R"([1, "ok", 2])", &e);
  EXPECT_STR(e, "[0]: must be a string; [2]: must be a string");
  patch(s, "TAGS", R"("a,b")", &e);
  cr_assert(contains(e, "written as JSON text"), "%s", e.c_str());
  patch(s, "TAGS", R"({"a": 1})", &e);
  cr_assert(contains(e, "must be an array"), "%s", e.c_str());
  patch(s, "TAGS", "null", &e);
  cr_assert(contains(e, "must not be null"), "%s", e.c_str());
  patch(s, "PORTS", "[]", &e);
  cr_assert(contains(e, "at least 1 item"), "%s", e.c_str());
  patch(s, "COLOR", R"(["red"])", &e);
  cr_assert(contains(e, "must be a string"), "%s", e.c_str());
}

Test(schema_patch_nested, written_text_reads_back_as_the_same_value) {
  Schema s = load();
  struct Case {
    const char* key;
    const char* json;
  } cases[] = {
      {"OPT_TAGS", R"(["it's", "a\\b", "\"q\"", "#x", "${HOME}", "\u00e9", " "])"},
      {"WEIGHTS", R"({"0.1": 0.30000000000000004, "b": 1e300})"},
      {"GRID", "[[9007199254740991]]"},
      {"ANYTHING", R"({"k": {"nested": ["\t", null, true]}})"},
  };
  for (const Case& c : cases) {
    std::string text = patch(s, c.key, c.json);
    JsonPtr given(parse_strict_json(c.json, 16, nullptr));
    std::string back = typed(s, c.key, text);
    EXPECT_STR(back, json_print(given.get()));
  }
}

// --- multipleOf and Literal[..., None] ------------------------------------------------------

Test(schema_numbers, multiple_of_as_pydantic_checks_it) {
  Schema ints = load(with_property(R"({"type":"integer","multipleOf":5})"));
  typed(ints, "K", "10");
  cr_assert(contains(one(refused(ints, "K", "12")), "must be a multiple of 5"));
  // Floats: a remainder within a billionth of the value counts as none (0.3 % 0.1 != 0).
  Schema floats = load(with_property(R"({"type":"number","multipleOf":0.1})"));
  typed(floats, "K", "0.3");
  typed(floats, "K", "-0.7");
  cr_assert(contains(one(refused(floats, "K", "0.35")), "must be a multiple of 0.1"));
  cr_assert(contains(schema_error(with_property(R"({"type":"number","multipleOf":0})")), "above 0"));
}

Test(schema_literals, a_literal_with_none_is_nullable) {
  Schema s = load(with_property(R"({"enum":["a",null],"default":null})"));
  EXPECT_STR(typed(s, "K", "a"), "\"a\"");
  refused(s, "K", "b");
}
