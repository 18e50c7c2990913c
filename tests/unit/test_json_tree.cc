// Strict JSON: everything cJSON 1.7.15 lets through on its own must be refused here, with a
// message, and well-formed documents must come back intact.
#include <criterion/criterion.h>

#include <cmath>
#include <limits>
#include <string>

#include "model/json_tree.h"
#include "utf8.h"

using omega::is_valid_utf8;
using omega::settingsd::parse_strict_json;

namespace {

// Parses and expects failure; returns the error message.
std::string rejected(const std::string& text, int depth = 32) {
  std::string error;
  cJSON* json = parse_strict_json(text, depth, &error);
  if (json) {
    cJSON_Delete(json);
    cr_assert_fail("accepted: %s", text.c_str());
  }
  cr_assert(!error.empty(), "no message for: %s", text.c_str());
  return error;
}

cJSON* accepted(const std::string& text, int depth = 32) {
  std::string error;
  cJSON* json = parse_strict_json(text, depth, &error);
  cr_assert_not_null(json, "rejected %s: %s", text.c_str(), error.c_str());
  return json;
}

}  // namespace

Test(strict_json, parses_a_patch_body) {
  cJSON* j = accepted(R"( {"updates":{"LOG_LEVEL":"debug","N":30,"F":0.5,"B":true,"X":null},
                         "expected_version":7, "list":[1,"a",[],{}]} )");
  cJSON* updates = cJSON_GetObjectItemCaseSensitive(j, "updates");
  cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(updates, "LOG_LEVEL")->valuestring, "debug");
  cr_assert_eq(cJSON_GetObjectItemCaseSensitive(updates, "N")->valuedouble, 30);
  cr_assert_eq(cJSON_GetObjectItemCaseSensitive(updates, "F")->valuedouble, 0.5);
  cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(updates, "B")));
  cr_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(updates, "X")));
  cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "list")), 4);
  cJSON_Delete(j);
}

Test(strict_json, keeps_key_order_and_decodes_escapes) {
  cJSON* j = accepted(R"({"b":1,"a":"x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"})");
  cr_assert_str_eq(j->child->string, "b");
  cr_assert_str_eq(j->child->next->valuestring, "x\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
  cJSON_Delete(j);
}

Test(strict_json, scalars_at_top_level) {
  cJSON* j = accepted("  -0.25e+2 ");
  cr_assert_eq(j->valuedouble, -25.0);
  cJSON_Delete(j);
  j = accepted("\"s\"");
  cr_assert_str_eq(j->valuestring, "s");
  cJSON_Delete(j);
}

Test(strict_json, rejects_trailing_garbage) {
  cr_assert(rejected("{} x").find("after the JSON value") != std::string::npos);
  rejected("{}{}");
  rejected("1 2");
  rejected("{\"a\":1}]");
}

Test(strict_json, rejects_duplicate_keys_at_any_level) {
  std::string e = rejected(R"({"a":1,"a":2})");
  cr_assert(e.find("duplicate key \"a\"") != std::string::npos, "%s", e.c_str());
  rejected(R"({"updates":{"K":1,"K":2}})");
  rejected(R"([{"x":{"y":[{"z":1,"z":1}]}}])");
  // Keys equal after unescaping are the same key.
  rejected(R"({"a":1,"\u0061":2})");
  // Different case is a different key (cJSON's default lookup would conflate them).
  cJSON_Delete(accepted(R"({"a":1,"A":2})"));
}

Test(strict_json, rejects_non_finite_numbers) {
  cr_assert(rejected("1e400").find("finite") != std::string::npos);
  rejected("-1e400");
  rejected(R"({"N":1e309})");
  rejected("NaN");
  rejected("Infinity");
  rejected("-Infinity");
  cJSON* tiny = accepted("1e-400");  // underflow to zero is still a finite number
  cr_assert_eq(tiny->valuedouble, 0.0);
  cJSON_Delete(tiny);
}

Test(strict_json, rejects_number_syntax_json_forbids) {
  for (const char* bad : {"01", "+1", ".5", "1.", "1e", "1e+", "-", "0x10", "- 1", "1.e3"}) {
    rejected(bad);
  }
}

Test(strict_json, rejects_nul) {
  std::string e = rejected(R"({"a":"x\u0000y"})");
  cr_assert(e.find("NUL") != std::string::npos, "%s", e.c_str());
  rejected(std::string("{\"a\":\"x\0y\"}", 11));
  rejected(std::string("{\"a\":1}\0", 8));
  rejected(std::string("\0", 1));
}

Test(strict_json, rejects_invalid_utf8) {
  std::string e = rejected("\"\xff\"");
  cr_assert(e.find("UTF-8") != std::string::npos, "%s", e.c_str());
  rejected("\"\xc0\xaf\"");          // overlong '/'
  rejected("\"\xe0\x80\xaf\"");      // overlong
  rejected("\"\xed\xa0\x80\"");      // encoded surrogate
  rejected("\"\xf4\x90\x80\x80\"");  // > U+10FFFF
  rejected("\"\xe2\x82\"");          // truncated sequence
  rejected("{\"k\xff\":1}");         // in a key too
  rejected("\"\\ud800\"");           // lone high surrogate escape
  rejected("\"\\udc00\"");           // lone low surrogate escape
  rejected("\"\\ud800\\u0041\"");    // high surrogate followed by a non-surrogate
  cr_assert(is_valid_utf8("h\xc3\xa9llo \xf0\x9f\x98\x80"));
  cr_assert_not(is_valid_utf8("\x80"));
}

Test(strict_json, rejects_raw_control_characters_and_bad_escapes) {
  rejected("\"a\nb\"");
  rejected("\"a\tb\"");
  rejected("\"\\x41\"");
  rejected("\"\\u12\"");
  rejected("\"\\u12G4\"");
  rejected("'single'");
}

Test(strict_json, rejects_truncated_documents) {
  for (const char* bad : {"", " ", "{", "[", "{\"a\"", "{\"a\":", "{\"a\":1", "[1,", "\"abc", "tru", "nul",
                          "{\"a\":1,}", "[1,]", "{,}", "{1:2}"}) {
    rejected(bad);
  }
}

Test(strict_json, enforces_the_depth_limit) {
  std::string ok = std::string(4, '[') + std::string(4, ']');
  cJSON_Delete(accepted(ok, 4));
  std::string e = rejected(std::string(5, '[') + std::string(5, ']'), 4);
  cr_assert(e.find("nesting deeper than 4") != std::string::npos, "%s", e.c_str());
  cJSON_Delete(accepted(R"({"a":{"b":1}})", 2));
  rejected(R"({"a":{"b":{}}})", 2);
}

Test(strict_json, survives_hostile_nesting) {
  // A megabyte of '[' must fail on the limit, not overflow the stack.
  std::string deep(1 << 20, '[');
  rejected(deep);
  rejected(std::string(1 << 20, '{'));
  // Even a caller's absurd limit is capped internally.
  rejected(deep, std::numeric_limits<int>::max());
}

Test(strict_json, handles_a_huge_string) {
  std::string big = "\"" + std::string(4 << 20, 'x') + "\"";
  cJSON* j = accepted(big);
  cr_assert_eq(std::string(j->valuestring).size(), static_cast<size_t>(4 << 20));
  cJSON_Delete(j);
}

Test(strict_json, error_names_the_byte_offset) {
  std::string e = rejected(R"({"a":1,"a":2})");
  cr_assert(e.find("at byte 7") != std::string::npos, "%s", e.c_str());
}

Test(strict_json, error_pointer_may_be_null) { cr_assert_null(parse_strict_json("{", 8, nullptr)); }

// The snapshot is printed by json_print: a number must come out as the same double, or readers
// would see another value than the .env holds (cJSON's printer turns 2^53-1 into
// 9.00719925474099e+15 and 0.30000000000000004 into 0.3).
Test(json_print, numbers_are_exact) {
  using omega::settingsd::json_print;
  cJSON* j = accepted(R"({"big":9007199254740991,"f":0.30000000000000004,"small":1e-7,"neg":-2.5,"i":45,)"
                      R"("e":1e300,"z":-0.0})");
  std::string text = json_print(j);
  cr_assert_str_eq(text.c_str(), R"({"big":9007199254740991,"f":0.30000000000000004,"small":1e-07,"neg":-2.5,"i":45,)"
                                 R"("e":1e+300,"z":0})");
  cJSON* back = accepted(text);
  cr_assert(cJSON_Compare(j, back, true));
  cJSON_Delete(back);
  cJSON_Delete(j);
}

Test(json_print, strings_and_nesting_as_cjson_prints_them) {
  using omega::settingsd::json_print;
  cJSON* j = accepted(R"({"s":"a\"\\\/\b\f\n\r\t\u0001\u00e9","l":[1,[],{},null,true,false],"o":{"b":1,"a":2}})");
  char* theirs = cJSON_PrintUnformatted(j);
  std::string ours = json_print(j);
  cr_assert_str_eq(ours.c_str(), theirs);
  cJSON_free(theirs);
  cJSON_Delete(j);
}
