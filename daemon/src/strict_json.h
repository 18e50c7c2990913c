// Strict JSON parsing in front of cJSON 1.7.15, which on its own accepts duplicate keys,
// trailing garbage, 1e400 (-> infinity), \u0000 (truncating strings) and invalid UTF-8.
#ifndef OMEGA_SETTINGSD_STRICT_JSON_H
#define OMEGA_SETTINGSD_STRICT_JSON_H

#include <cstddef>
#include <string>
#include <cstdint>
#include <string_view>

#include <cjson/cJSON.h>

namespace omega::settingsd {

inline constexpr size_t kDefaultJsonMaxDepth = 32;

// Parses `text` as exactly one RFC 8259 JSON value (surrounding whitespace allowed) and returns
// a new cJSON tree (caller frees with cJSON_Delete), or nullptr with *error set (a message
// with the byte offset; never echoes string contents). Rejects: trailing garbage, duplicate
// object keys at any level, numbers that are not finite as doubles (1e400), invalid UTF-8 (also
// overlong forms, surrogates, > U+10FFFF), lone surrogate escapes, NUL (raw or \u0000),
// raw control characters inside strings, and nesting deeper than max_depth arrays/objects.
// `error` may be null.
cJSON* parse_strict_json(std::string_view text, size_t max_depth, std::string* error);

// True if `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view s);

// Appends code point cp (<= U+10FFFF, not a surrogate) as UTF-8.
void append_utf8(std::string* out, uint32_t cp);

}  // namespace omega::settingsd

#endif  // OMEGA_SETTINGSD_STRICT_JSON_H
