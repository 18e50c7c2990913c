// A strict JSON reader for the flat objects of the wire contract.
//
// cJSON 1.7.15 accepts duplicate keys, trailing garbage, 1e400 and invalid
// UTF-8 and truncates at \u0000; a settings snapshot must be rejected for all
// of these, and integers must keep their exact digits, so the core reads JSON
// itself. Nested arrays/objects are validated and kept as their JSON text.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace omega::json {

enum class Kind { String, Int, Double, Bool, Null, Nested };

struct Member {
  std::string key;
  Kind kind = Kind::Null;
  std::string text;  // unescaped for strings; the JSON token otherwise
  int64_t i = 0;
  double d = 0;
  bool b = false;
};

// Parses `text` as one JSON object: valid UTF-8, the whole buffer consumed
// (surrounding whitespace allowed), no duplicate keys at any depth, finite
// numbers only, no NUL characters, nesting at most 64 deep. Returns the
// members in document order; throws omega::Error(error_code, "why at byte N").
std::vector<Member> parse_object(std::string_view text, int error_code);

// Appends s as a quoted JSON string.
void append_quoted(std::string& out, std::string_view s);

}  // namespace omega::json
