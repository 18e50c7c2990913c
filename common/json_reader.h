// The one strict JSON reader of omega-config, used by the reader core (snapshots, meta,
// last-known-good files) and by the daemon (request bodies, schemas).
//
// cJSON 1.7.15 accepts duplicate keys, trailing garbage, 1e400 and invalid UTF-8 and truncates
// at \u0000; a settings document must be refused for all of these, and integers must keep
// their exact digits. So: parse_object reads the flat objects of the wire contract itself,
// and check() vets any document before the daemon hands the same text to cJSON.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace omega::json {

// "invalid JSON: <why> at byte <N>"; never echoes string contents.
class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Kind { kString, kInt, kDouble, kBool, kNull, kNested };

struct Member {
  std::string key;
  Kind kind = Kind::kNull;
  std::string text;  // unescaped for strings; compact JSON text otherwise
  int64_t i = 0;
  double d = 0;
  bool b = false;
  // Where the value's JSON text lies in the parsed text: [value_begin, value_end). Lets a caller
  // replace one member's value and keep every other byte (common/sealing.cc).
  size_t value_begin = 0;
  size_t value_end = 0;
};

// Containers nested deeper than this are refused (the top-level object counts as 1).
constexpr int kDefaultMaxDepth = 64;

// Parses text as one JSON object: valid UTF-8, the whole buffer consumed (surrounding
// whitespace allowed), no duplicate keys at any depth, finite numbers only, no NUL, nesting
// at most max_depth. Returns the members in document order; nested arrays/objects are
// validated and kept as compact text. Throws ParseError.
std::vector<Member> parse_object(std::string_view text, int max_depth = kDefaultMaxDepth);

// The same rules for exactly one JSON value of any type. Throws ParseError.
void check(std::string_view text, int max_depth = kDefaultMaxDepth);

// Appends s as a quoted JSON string.
void append_quoted(std::string& out, std::string_view s);
std::string quoted(std::string_view s);

}  // namespace omega::json
