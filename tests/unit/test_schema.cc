// The schema: parsing pydantic-shaped documents, coercing .env text, every constraint, every
// problem at once, secrets, and PATCH values to .env text.
#include <criterion/criterion.h>

#include <pthread.h>

#include <fstream>
#include <sstream>
#include <string>

#include "model/json_tree.h"
#include "model/schema.h"

using omega::settingsd::FieldError;
using omega::settingsd::parse_strict_json;
using omega::settingsd::Schema;
using Env = std::map<std::string, std::string>;

namespace {

// Compares as std::string so temporaries live through the comparison; names the caller's line.
#define EXPECT_STR(actual, expected) expect_str((actual), (expected), __LINE__)
static void expect_str(const std::string& actual, const std::string& expected, int line) {
  cr_assert(actual == expected, "line %d: got [%s], want [%s]", line, actual.c_str(), expected.c_str());
}

// Every type and constraint of the subset, in pydantic's shape.
const char* kSchema = R"({
  "additionalProperties": false,
  "title": "TestSettings",
  "type": "object",
  "required": ["NAME", "SECRET"],
  "properties": {
    "NAME": {"title": "Name", "type": "string", "minLength": 2, "maxLength": 5,
             "pattern": "^[a-z]+$"},
    "SECRET": {"format": "password", "type": "string", "writeOnly": true, "minLength": 8},
    "HIDDEN": {"type": "string", "writeOnly": true, "default": "x"},
    "LEVEL": {"enum": ["DEBUG", "INFO", "WARNING"], "type": "string", "default": "INFO"},
    "TIMEOUT": {"type": "integer", "minimum": 1, "maximum": 300, "default": 30},
    "WORKERS": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10, "default": 2},
    "RATIO": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.5,
              "description": "ignored annotation"},
    "FLAG": {"type": "boolean", "default": false},
    "MODE": {"const": "fixed", "type": "string", "default": "fixed"},
    "URL": {"type": "string", "format": "uri", "minLength": 1, "default": "redis://h:1/0"},
    "OPT_INT": {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
                "default": null, "title": "Opt Int"},
    "OPT_SECRET": {"anyOf": [{"format": "password", "type": "string", "writeOnly": true},
                             {"type": "null"}], "default": null},
    "OPT_NODEFAULT": {"type": ["number", "null"]}
  }
})";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  cr_assert(in.good(), "cannot read %s", path.c_str());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Schema load(const char* text = kSchema) {
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

std::string one_property(const std::string& prop) { return R"({"type":"object","properties":{"K":)" + prop + "}}"; }

Env minimal() { return {{"NAME", "abc"}, {"SECRET", "s3cr3t-value"}}; }

cJSON* validate_ok(const Schema& s, const Env& env) {
  std::vector<FieldError> errors;
  cJSON* out = s.validate_env(env, &errors);
  cr_assert_not_null(out, "rejected: %s: %s", errors.empty() ? "" : errors[0].key.c_str(),
                     errors.empty() ? "" : errors[0].message.c_str());
  return out;
}

std::vector<FieldError> validate_bad(const Schema& s, const Env& env) {
  std::vector<FieldError> errors;
  cJSON* out = s.validate_env(env, &errors);
  cr_assert_null(out);
  cr_assert_not(errors.empty());
  return errors;
}

// The single message for `key` when `value` replaces its entry in the minimal env.
std::string bad_value(const Schema& s, const std::string& key, const std::string& value) {
  Env env = minimal();
  env[key] = value;
  auto errors = validate_bad(s, env);
  cr_assert_eq(errors.size(), 1u, "%s=%s: %zu errors", key.c_str(), value.c_str(), errors.size());
  cr_assert_eq(errors[0].key, key);
  return errors[0].message;
}

const cJSON* item(const cJSON* obj, const char* key) {
  const cJSON* v = cJSON_GetObjectItemCaseSensitive(obj, key);
  cr_assert_not_null(v, "no %s", key);
  return v;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string patch_text(const Schema& s, const char* key, const char* json, bool expect_ok,
                       std::string* error_out = nullptr) {
  std::string error;
  cJSON* v = parse_strict_json(json, 8, &error);
  cr_assert_not_null(v, "%s", error.c_str());
  std::string out;
  bool ok = s.value_to_env_text(key, v, &out, &error);
  cJSON_Delete(v);
  cr_assert_eq(ok, expect_ok, "%s=%s: %s", key, json, ok ? out.c_str() : error.c_str());
  if (!ok) cr_assert_not(error.empty());
  if (error_out) *error_out = error;
  return out;
}

}  // namespace

// --- parsing the schema -------------------------------------------------------------------

Test(schema_parse, keys_are_sorted_and_secrets_detected) {
  Schema s = load();
  std::vector<std::string> keys = s.keys();
  cr_assert_eq(keys.size(), 13u);
  EXPECT_STR(keys.front().c_str(), "FLAG");
  EXPECT_STR(keys.back().c_str(), "WORKERS");
  cr_assert(s.has_key("TIMEOUT"));
  cr_assert_not(s.has_key("timeout"));
  cr_assert_not(s.has_key("NOPE"));
  cr_assert(s.is_secret("SECRET"));      // format password + writeOnly
  cr_assert(s.is_secret("HIDDEN"));      // writeOnly only
  cr_assert(s.is_secret("OPT_SECRET"));  // inside anyOf
  cr_assert_not(s.is_secret("NAME"));
  cr_assert_not(s.is_secret("NOPE"));
}

Test(schema_parse, example_schema_from_pydantic) {
  std::string text = read_file(OMEGA_EXAMPLES_DIR "/omega.schema.json");
  Schema s = load(text.c_str());
  for (const char* key : {"REDIS_URL", "SECRET_KEY", "LOG_LEVEL", "MONGO_URI", "REQUEST_TIMEOUT"}) {
    cr_assert(s.has_key(key), "%s missing", key);
  }
  cr_assert(s.is_secret("SECRET_KEY"));
  cr_assert(s.is_secret("MONGO_URI"));
  cr_assert_not(s.is_secret("REDIS_URL"));
  cr_assert_not(s.is_secret("LOG_LEVEL"));
}

Test(schema_parse, example_env_validates_against_example_schema) {
  Schema s = load(read_file(OMEGA_EXAMPLES_DIR "/omega.schema.json").c_str());
  std::string env_text = read_file(OMEGA_EXAMPLES_DIR "/omega.env");
  // A tiny reader is enough here; the .env parser has its own tests.
  Env env;
  std::istringstream lines(env_text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '\'') value = value.substr(1, value.size() - 2);
    env[line.substr(0, eq)] = value;
  }
  cJSON* snap = validate_ok(s, env);
  cr_assert_eq(item(snap, "REQUEST_TIMEOUT")->valuedouble, 30);
  EXPECT_STR(item(snap, "LOG_LEVEL")->valuestring, "INFO");
  cr_assert(cJSON_IsNull(item(snap, "RATE_LIMIT_PER_MINUTE")));
  cJSON_Delete(snap);
}

Test(schema_parse, rejects_what_it_cannot_enforce) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"[]", "must be a JSON object"},
      {R"({"type":"object"})", "no \"properties\""},
      {R"({"type":"array","properties":{}})", "top-level type"},
      {R"({"type":"object","properties":{},"additionalProperties":true})", "additionalProperties"},
      {R"({"type":"object","properties":{},"required":["X"]})", "not a property"},
      {R"({"type":"object","properties":{},"patternProperties":{}})", "patternProperties"},
      {R"({"type":"object","properties":{"lower":{"type":"string"}}})", "UPPER_SNAKE_CASE"},
      {R"({"type":"object","properties":{"K":{"type":"tuple"}}})", "type must be"},
      {R"({"type":"object","properties":{"K":{"type":"string","not":{"const":"x"}}}})", "unsupported keyword \"not\""},
      {R"({"type":"object","properties":{"K":{"type":"string","multipleOf":2}}})", "apply to numbers"},
      {R"({"type":"object","properties":{"K":{"anyOf":[{"type":"string"},{"type":"integer"}]}}})",
       "anyOf is supported only"},
      {R"({"type":"object","properties":{"K":{"type":"string","minimum":1}}})", "apply to numbers"},
      {R"({"type":"object","properties":{"K":{"type":"integer","maxLength":1}}})", "apply to strings"},
      {R"({"type":"object","properties":{"K":{"type":"string","pattern":"(unclosed"}}})", "not a valid ECMAScript"},
      {R"({"type":"object","properties":{"K":{"type":"integer","enum":["a"]}}})", "is not an integer"},
      {R"({"type":"object","properties":{"K":{"type":"integer","default":"x"}}})", "default value is invalid"},
      {R"({"type":"object","properties":{"K":{"type":"integer","maximum":3,"default":4}}})",
       "default value is invalid"},
      {R"({"type":"object","properties":{"K":{"description":"no type"}}})", "no \"type\""},
      {R"({"type":"object","properties":{"K":{"type":"string","minLength":-1}}})", "non-negative integer"},
      {R"({"type":"object","properties":{"K":{"type":"string","writeOnly":"yes"}}})", "writeOnly"},
  };
  for (const Case& c : cases) {
    std::string e = schema_error(c.text);
    cr_assert(contains(e, c.message), "%s -> %s", c.text, e.c_str());
  }
}

Test(schema_parse, rejects_malformed_json_strictly) {
  cr_assert(contains(schema_error(R"({"type":"object","properties":{},"type":"object"})"), "duplicate key"));
  cr_assert(contains(schema_error(R"({"type":"object","properties":{}} trailing)"), "after the JSON value"));
  schema_error(one_property(R"({"type":"integer","maximum":1e400})"));
  schema_error("");
}

Test(schema_parse, infers_type_from_a_literal_without_type) {
  Schema s = load(one_property(R"({"enum":[1,2,3],"default":2})").c_str());
  cJSON* snap = validate_ok(s, {{"K", "3"}});
  cr_assert_eq(item(snap, "K")->valuedouble, 3);
  cJSON_Delete(snap);
}

// --- coercion -----------------------------------------------------------------------------

Test(schema_validate, defaults_and_types) {
  Schema s = load();
  cJSON* snap = validate_ok(s, minimal());
  EXPECT_STR(item(snap, "NAME")->valuestring, "abc");
  EXPECT_STR(item(snap, "LEVEL")->valuestring, "INFO");
  cr_assert(cJSON_IsNumber(item(snap, "TIMEOUT")));
  cr_assert_eq(item(snap, "TIMEOUT")->valuedouble, 30);
  cr_assert_eq(item(snap, "RATIO")->valuedouble, 0.5);
  cr_assert(cJSON_IsFalse(item(snap, "FLAG")));
  cr_assert(cJSON_IsNull(item(snap, "OPT_INT")));
  cr_assert(cJSON_IsNull(item(snap, "OPT_NODEFAULT")));
  // Keys come out sorted.
  EXPECT_STR(snap->child->string, "FLAG");
  const cJSON* prev = nullptr;
  for (const cJSON* c = snap->child; c; c = c->next) {
    if (prev) cr_assert_lt(std::string(prev->string), std::string(c->string));
    prev = c;
  }
  cJSON_Delete(snap);
}

Test(schema_validate, coerces_text_to_types) {
  Schema s = load();
  Env env = minimal();
  env["TIMEOUT"] = "300";
  env["WORKERS"] = "+9";
  env["RATIO"] = "1e-1";
  env["FLAG"] = "Yes";
  env["OPT_INT"] = "7";
  env["OPT_NODEFAULT"] = "-2.5";
  cJSON* snap = validate_ok(s, env);
  cr_assert_eq(item(snap, "TIMEOUT")->valuedouble, 300);
  cr_assert_eq(item(snap, "WORKERS")->valuedouble, 9);
  cr_assert_eq(item(snap, "RATIO")->valuedouble, 0.1);
  cr_assert(cJSON_IsTrue(item(snap, "FLAG")));
  cr_assert_eq(item(snap, "OPT_INT")->valuedouble, 7);
  cr_assert_eq(item(snap, "OPT_NODEFAULT")->valuedouble, -2.5);
  cJSON_Delete(snap);
}

Test(schema_validate, boolean_spellings) {
  Schema s = load();
  for (const char* t : {"true", "TRUE", "1", "yes", "on", "t", "Y"}) {
    Env env = minimal();
    env["FLAG"] = t;
    cJSON* snap = validate_ok(s, env);
    cr_assert(cJSON_IsTrue(item(snap, "FLAG")), "%s", t);
    cJSON_Delete(snap);
  }
  for (const char* f : {"false", "False", "0", "no", "off", "f", "N"}) {
    Env env = minimal();
    env["FLAG"] = f;
    cJSON* snap = validate_ok(s, env);
    cr_assert(cJSON_IsFalse(item(snap, "FLAG")), "%s", f);
    cJSON_Delete(snap);
  }
  for (const char* bad : {"", "2", "truee", "ja", " true"}) {
    cr_assert(contains(bad_value(s, "FLAG", bad), "must be a boolean"), "%s", bad);
  }
}

Test(schema_validate, integer_text_is_strict) {
  Schema s = load();
  for (const char* bad : {"30x", "", " 30", "30 ", "3.0", "3e1", "0x1e", "--3", "1_000", "99999999999999999999999"}) {
    std::string m = bad_value(s, "TIMEOUT", bad);
    cr_assert(contains(m, "integer") || contains(m, "<="), "%s -> %s", bad, m.c_str());
  }
  cr_assert(contains(bad_value(s, "TIMEOUT", "30x"), "(got \"30x\")"));
}

Test(schema_validate, number_text_is_strict_and_finite) {
  Schema s = load();
  for (const char* bad : {"nan", "inf", "-Infinity", "1e400", "0.5.1", "", "1,5", "0x1p-1"}) {
    cr_assert(contains(bad_value(s, "RATIO", bad), "finite number"), "%s", bad);
  }
  cr_assert(contains(bad_value(s, "OPT_NODEFAULT", "nan"), "finite number"));
  cr_assert(contains(bad_value(s, "OPT_NODEFAULT", "x"), "finite number"));
}

Test(schema_validate, empty_text_for_an_optional_non_string_is_null) {
  Schema s = load();
  Env env = minimal();
  env["OPT_INT"] = "";
  cJSON* snap = validate_ok(s, env);
  cr_assert(cJSON_IsNull(item(snap, "OPT_INT")));
  cJSON_Delete(snap);
}

// --- constraints --------------------------------------------------------------------------

Test(schema_constraints, ranges) {
  Schema s = load();
  cr_assert(contains(bad_value(s, "TIMEOUT", "0"), "must be >= 1"));
  cr_assert(contains(bad_value(s, "TIMEOUT", "301"), "must be <= 300"));
  cr_assert(contains(bad_value(s, "WORKERS", "0"), "must be > 0"));
  cr_assert(contains(bad_value(s, "WORKERS", "10"), "must be < 10"));
  cr_assert(contains(bad_value(s, "RATIO", "1.0001"), "must be <= 1"));
  cr_assert(contains(bad_value(s, "RATIO", "-0.1"), "must be >= 0"));
  cr_assert(contains(bad_value(s, "OPT_INT", "0"), "must be >= 1"));
  for (const char* ok : {"1", "300"}) {
    Env env = minimal();
    env["TIMEOUT"] = ok;
    cJSON_Delete(validate_ok(s, env));
  }
}

Test(schema_constraints, lengths_count_characters_not_bytes) {
  Schema s = load(one_property(R"({"type":"string","minLength":2,"maxLength":3})").c_str());
  cJSON_Delete(validate_ok(s, {{"K", "\xc3\xa9\xc3\xa9\xc3\xa9"}}));  // 3 characters, 6 bytes
  std::vector<FieldError> errors;
  cr_assert_null(s.validate_env({{"K", "a"}}, &errors));
  cr_assert(contains(errors[0].message, "at least 2"));
  cr_assert_null(s.validate_env({{"K", "abcd"}}, &errors));
  cr_assert(contains(errors[0].message, "at most 3"));
}

Test(schema_constraints, pattern_is_a_search_like_json_schema) {
  Schema s = load(one_property(R"({"type":"string","pattern":"b+"})").c_str());
  cJSON_Delete(validate_ok(s, {{"K", "abbbc"}}));
  std::vector<FieldError> errors;
  cr_assert_null(s.validate_env({{"K", "ac"}}, &errors));
  cr_assert(contains(errors[0].message, "must match the pattern b+"));
}

Test(schema_constraints, anchored_pattern_and_lengths_report_every_failure) {
  Schema s = load();
  // "A" is too short and does not match ^[a-z]+$: both problems are listed.
  Env env = minimal();
  env["NAME"] = "A";
  auto errors = validate_bad(s, env);
  cr_assert_eq(errors.size(), 2u);
  cr_assert(contains(errors[0].message, "at least 2"));
  cr_assert(contains(errors[1].message, "pattern"));
}

Test(schema_constraints, pattern_on_a_huge_value_is_refused_not_crashed) {
  Schema s = load(one_property(R"({"type":"string","pattern":"^(a|b)*$"})").c_str());
  std::vector<FieldError> errors;
  cr_assert_null(s.validate_env({{"K", std::string(1 << 20, 'a')}}, &errors));
  cr_assert(contains(errors[0].message, "could not be checked against its pattern"));
  // 4096 characters need ~4 MB of stack in std::regex: checked on a big-stack thread.
  cJSON_Delete(validate_ok(s, {{"K", std::string(4096, 'a')}}));
  cr_assert_null(s.validate_env({{"K", std::string(4095, 'a') + "c"}}, &errors));
  cr_assert(contains(errors[0].message, "must match the pattern"));
}

// The daemon validates on its HTTP threads, whose stacks may be small: a long value must not
// exhaust them.
static void* validate_long_value(void* schema) {
  std::vector<FieldError> errors;
  cJSON* snap = static_cast<Schema*>(schema)->validate_env({{"K", std::string(4096, 'b')}}, &errors);
  return snap;
}

Test(schema_constraints, long_pattern_check_is_safe_on_a_small_stack) {
  Schema s = load(one_property(R"({"type":"string","pattern":"^(a|b)*$"})").c_str());
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t thread;
  cr_assert_eq(pthread_create(&thread, &attr, validate_long_value, &s), 0);
  void* result = nullptr;
  pthread_join(thread, &result);
  pthread_attr_destroy(&attr);
  cr_assert_not_null(result);
  cJSON_Delete(static_cast<cJSON*>(result));
}

Test(schema_constraints, enum_and_const) {
  Schema s = load();
  std::string m = bad_value(s, "LEVEL", "VERBOSE");
  cr_assert(contains(m, "must be one of \"DEBUG\", \"INFO\", \"WARNING\""), "%s", m.c_str());
  cr_assert(contains(bad_value(s, "MODE", "other"), "must be \"fixed\""));
}

Test(schema_constraints, enum_case_is_forgiven_and_canonicalized) {
  Schema s = load();
  Env env = minimal();
  env["LEVEL"] = "debug";
  cJSON* snap = validate_ok(s, env);
  EXPECT_STR(item(snap, "LEVEL")->valuestring, "DEBUG");
  cJSON_Delete(snap);
  // When two members differ only by case, only the exact spelling is accepted.
  Schema two = load(one_property(R"({"type":"string","enum":["a","A"]})").c_str());
  std::vector<FieldError> errors;
  cr_assert_null(two.validate_env({{"K", "a "}}, &errors));
  snap = validate_ok(two, {{"K", "A"}});
  EXPECT_STR(item(snap, "K")->valuestring, "A");
  cJSON_Delete(snap);
}

Test(schema_constraints, uri_format) {
  Schema s = load();
  cr_assert(contains(bad_value(s, "URL", "not a url"), "must be a URI"));
  cr_assert(contains(bad_value(s, "URL", "localhost"), "must be a URI"));
  Env env = minimal();
  env["URL"] = "rediss://user@host:6380/1";
  cJSON_Delete(validate_ok(s, env));
}

Test(schema_constraints, control_characters_in_strings) {
  Schema s = load(one_property(R"({"type":"string"})").c_str());
  std::vector<FieldError> errors;
  cr_assert_null(s.validate_env({{"K", "a\x01z"}}, &errors));
  cr_assert(contains(errors[0].message, "control character"));
  cr_assert_null(s.validate_env({{"K", std::string("a\0z", 3)}}, &errors));
  cr_assert(contains(errors[0].message, "NUL"));
  cr_assert_null(s.validate_env({{"K", "\xff"}}, &errors));
  cr_assert(contains(errors[0].message, "UTF-8"));
  // Multi-line values (a PEM key, say) are allowed.
  cJSON_Delete(validate_ok(s, {{"K", "line1\nline2\tx\r\n"}}));
}

// --- whole-document problems --------------------------------------------------------------

Test(schema_validate, unknown_and_missing_keys) {
  Schema s = load();
  auto errors = validate_bad(s, {{"EXTRA", "1"}, {"NAME", "abc"}});
  cr_assert_eq(errors.size(), 2u);
  EXPECT_STR(errors[0].key.c_str(), "EXTRA");
  cr_assert(contains(errors[0].message, "unknown key"));
  EXPECT_STR(errors[1].key.c_str(), "SECRET");
  cr_assert(contains(errors[1].message, "missing required key"));
  // Keys are case-sensitive: a lower-case spelling is an unknown key.
  Env env = minimal();
  env["timeout"] = "3";
  cr_assert(contains(validate_bad(s, env)[0].message, "unknown key"));
}

Test(schema_validate, every_problem_is_listed_sorted_by_key) {
  Schema s = load();
  Env env = {{"TIMEOUT", "30x"}, {"RATIO", "2"},   {"FLAG", "maybe"},  {"LEVEL", "LOUD"},
             {"BOGUS", "1"},     {"WORKERS", "0"}, {"SECRET", "short"}};
  auto errors = validate_bad(s, env);
  std::vector<std::string> keys;
  for (const FieldError& e : errors) keys.push_back(e.key);
  std::vector<std::string> expected = {"BOGUS", "FLAG", "LEVEL", "NAME", "RATIO", "SECRET", "TIMEOUT", "WORKERS"};
  cr_assert_eq(keys, expected);
}

Test(schema_validate, secret_values_never_appear_in_messages) {
  Schema s = load();
  const std::string secret = "tiny";  // too short: fails minLength
  Env env = minimal();
  env["SECRET"] = secret;
  env["OPT_SECRET"] = "bad\x01value-with-secret-tiny";
  env["HIDDEN"] = "hidden\x02tiny";
  auto errors = validate_bad(s, env);
  cr_assert_eq(errors.size(), 3u);
  for (const FieldError& e : errors) {
    cr_assert_not(contains(e.message, "tiny"), "%s: %s", e.key.c_str(), e.message.c_str());
    cr_assert_not(contains(e.message, "got"), "%s: %s", e.key.c_str(), e.message.c_str());
  }
  // A non-secret value is echoed to help the operator.
  cr_assert(contains(bad_value(s, "TIMEOUT", "thirty"), "\"thirty\""));
}

Test(schema_validate, errors_pointer_may_be_null) {
  Schema s = load();
  cr_assert_null(s.validate_env({}, nullptr));
}

// --- PATCH values to .env text ------------------------------------------------------------

Test(schema_patch, typed_values_become_env_text) {
  Schema s = load();
  EXPECT_STR(patch_text(s, "TIMEOUT", "45", true).c_str(), "45");
  EXPECT_STR(patch_text(s, "TIMEOUT", "45.0", true).c_str(), "45");
  EXPECT_STR(patch_text(s, "RATIO", "0.1", true).c_str(), "0.1");
  EXPECT_STR(patch_text(s, "RATIO", "1", true).c_str(), "1");
  EXPECT_STR(patch_text(s, "FLAG", "true", true).c_str(), "true");
  EXPECT_STR(patch_text(s, "FLAG", "false", true).c_str(), "false");
  EXPECT_STR(patch_text(s, "NAME", "\"xyz\"", true).c_str(), "xyz");
  EXPECT_STR(patch_text(s, "LEVEL", "\"warning\"", true).c_str(), "WARNING");
  EXPECT_STR(patch_text(s, "OPT_INT", "null", true).c_str(), "");
  EXPECT_STR(patch_text(s, "OPT_NODEFAULT", "1e-7", true).c_str(), "1e-07");
}

Test(schema_patch, numeric_strings_are_read_like_env_text) {
  Schema s = load();
  EXPECT_STR(patch_text(s, "TIMEOUT", "\"45\"", true).c_str(), "45");
  EXPECT_STR(patch_text(s, "FLAG", "\"on\"", true).c_str(), "true");
  patch_text(s, "TIMEOUT", "\"45x\"", false);
}

Test(schema_patch, wrong_types_are_rejected) {
  Schema s = load();
  std::string e;
  patch_text(s, "TIMEOUT", "true", false, &e);
  cr_assert(contains(e, "must be an integer"), "%s", e.c_str());
  patch_text(s, "TIMEOUT", "[1]", false);
  patch_text(s, "TIMEOUT", "{\"a\":1}", false);
  patch_text(s, "TIMEOUT", "1.5", false, &e);
  cr_assert(contains(e, "integer"), "%s", e.c_str());
  patch_text(s, "TIMEOUT", "null", false, &e);
  cr_assert(contains(e, "null"), "%s", e.c_str());
  patch_text(s, "NAME", "12", false, &e);
  cr_assert(contains(e, "must be a string"), "%s", e.c_str());
  patch_text(s, "FLAG", "1", false);
  patch_text(s, "RATIO", "\"\"", false);
}

Test(schema_patch, constraints_apply) {
  Schema s = load();
  std::string e;
  patch_text(s, "TIMEOUT", "0", false, &e);
  cr_assert(contains(e, ">= 1"), "%s", e.c_str());
  patch_text(s, "TIMEOUT", "1e300", false);
  patch_text(s, "TIMEOUT", "9007199254740993", false);
  patch_text(s, "NAME", "\"ABCDEFG\"", false, &e);
  cr_assert(contains(e, "at most 5") && contains(e, "pattern"), "%s", e.c_str());
  patch_text(s, "LEVEL", "\"LOUD\"", false);
  patch_text(s, "MODE", "\"other\"", false);
  patch_text(s, "NAME", "\"ab\\u0001\"", false, &e);
  cr_assert(contains(e, "control character"), "%s", e.c_str());
}

Test(schema_patch, unknown_key_and_secret_are_safe) {
  Schema s = load();
  std::string e;
  patch_text(s, "NOPE", "1", false, &e);
  cr_assert(contains(e, "unknown key"), "%s", e.c_str());
  patch_text(s, "SECRET", "\"shhh\"", false, &e);
  cr_assert_not(contains(e, "shhh"), "%s", e.c_str());
  EXPECT_STR(patch_text(s, "SECRET", "\"long-enough-secret\"", true).c_str(), "long-enough-secret");
}

Test(schema_patch, non_finite_number_is_rejected) {
  Schema s = load();
  cJSON* inf = cJSON_CreateNumber(1e308 * 10);
  std::string out, error;
  cr_assert_not(s.value_to_env_text("RATIO", inf, &out, &error));
  cr_assert(contains(error, "finite"), "%s", error.c_str());
  cJSON_Delete(inf);
}

Test(schema_patch, patch_text_validates_back_to_the_same_value) {
  Schema s = load();
  for (const char* json : {"0.1", "0.30000000000000004", "1e-7", "0.999999999999"}) {
    std::string text = patch_text(s, "RATIO", json, true);
    Env env = minimal();
    env["RATIO"] = text;
    cJSON* snap = validate_ok(s, env);
    cr_assert_eq(item(snap, "RATIO")->valuedouble, strtod(json, nullptr), "%s", json);
    cJSON_Delete(snap);
  }
}

Test(schema_copy, copies_share_the_parsed_fields) {
  Schema a = load();
  Schema b = a;
  Schema c;
  c = std::move(a);
  cr_assert(b.is_secret("SECRET"));
  cr_assert(c.is_secret("SECRET"));
  cr_assert_eq(b.keys(), c.keys());
}
