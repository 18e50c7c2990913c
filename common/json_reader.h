// The one strict JSON reader of omega-config, used by the reader core (snapshots, meta,
// last-known-good files) and by the daemon (request bodies, schemas).
//
// cJSON 1.7.15 accepts duplicate keys, trailing garbage, 1e400 and invalid UTF-8 and truncates
// at \u0000; a settings document must be refused for all of these, and integers must keep
// their exact digits. So: parse_object reads the flat objects of the wire contract itself,
// and check() vets any document before the daemon hands the same text to cJSON.
#pragma once
#include <cstdint>
#include <functional>
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

// One top-level member as parse_object_into hands it over. key and text view the parsed text
// itself, or the reader's scratch space when they had escapes: valid only during the call.
struct MemberView {
  std::string_view key;
  size_t key_begin = 0;  // where the key's opening quote is (for messages)
  Kind kind = Kind::kNull;
  std::string_view text;  // as Member::text
  int64_t i = 0;
  double d = 0;
  bool b = false;
  size_t value_begin = 0;
  size_t value_end = 0;
};
using MemberSink = std::function<void(const MemberView&)>;

// Containers nested deeper than this are refused (the top-level object counts as 1).
constexpr int kDefaultMaxDepth = 64;

// Parses text as one JSON object: valid UTF-8, the whole buffer consumed (surrounding
// whitespace allowed), no duplicate keys at any depth, finite numbers only, no NUL, nesting
// at most max_depth. Returns the members in document order; nested arrays/objects are
// validated and kept as compact text. Throws ParseError.
std::vector<Member> parse_object(std::string_view text, int max_depth = kDefaultMaxDepth);

// The rules of parse_object, without a copy per member: each top-level member goes to sink as
// it is read. Duplicate top-level keys are the sink's to refuse (it sees every key; the reader
// core finds them once its keys are sorted); nested ones are refused here.
void parse_object_into(std::string_view text, const MemberSink& sink, int max_depth = kDefaultMaxDepth);

// What parse_object throws for a duplicate key: "invalid JSON: duplicate key "K" at byte N".
[[noreturn]] void throw_duplicate_key(std::string_view key, size_t at);

// The same rules for exactly one JSON value of any type. Throws ParseError.
void check(std::string_view text, int max_depth = kDefaultMaxDepth);

// Appends s as a quoted JSON string.
void append_quoted(std::string& out, std::string_view s);
std::string quoted(std::string_view s);

}  // namespace omega::json
