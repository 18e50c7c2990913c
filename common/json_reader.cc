#include "json_reader.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <unordered_set>

#include "utf8.h"

namespace omega::json {
namespace {

// Recursion is bounded by the depth limit; this cap keeps a caller's huge limit from
// exhausting the stack.
constexpr int kHardMaxDepth = 512;

// A key is quoted in messages only when it is short and printable, so a message never carries
// binary junk or a value pasted where a key belongs.
std::string describe_key(const std::string& key) {
  if (key.empty() || key.size() > 64) return "";
  for (unsigned char c : key)
    if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') return "";
  return " \"" + key + "\"";
}

class Reader {
 public:
  Reader(std::string_view text, int max_depth)
      : s_(text), max_depth_(max_depth < kHardMaxDepth ? max_depth : kHardMaxDepth) {}

  void top_object(const MemberSink& sink) {
    skip_ws();
    if (peek() != '{') fail("expected a JSON object");
    object(1, &sink);
    finish();
  }

  void top_value() {
    skip_ws();
    value(0, nullptr);
    finish();
  }

 private:
  [[noreturn]] void fail(const std::string& why) {
    throw ParseError("invalid JSON: " + why + " at byte " + std::to_string(pos_));
  }
  void finish() {
    skip_ws();
    if (pos_ != s_.size()) fail("unexpected data after the JSON value");
  }
  int peek() const { return pos_ < s_.size() ? static_cast<unsigned char>(s_[pos_]) : -1; }
  void expect(char c) {
    if (peek() != c) fail(peek() < 0 ? "unexpected end of input" : std::string("expected '") + c + "'");
    ++pos_;
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  void enter(int depth) {
    if (depth > max_depth_) fail("nesting deeper than " + std::to_string(max_depth_));
  }

  // sink != nullptr only for the top level: its members are decoded and handed over, and
  // finding duplicates among them is the sink's job.
  void object(int depth, const MemberSink* sink) {
    enter(depth);
    expect('{');
    std::vector<std::string> keys;  // of a nested object
    std::vector<size_t> key_pos;    // where each key starts, for the duplicate message
    skip_ws();
    if (peek() == '}') {
      ++pos_;
      return;
    }
    for (;;) {
      skip_ws();
      if (peek() != '"') fail("expected a string key");
      size_t key_begin = pos_;
      std::string_view key = string(sink ? key_scratch_ : nested_scratch_);
      skip_ws();
      expect(':');
      skip_ws();
      if (sink) {
        MemberView m;
        m.key = key;
        m.key_begin = key_begin;
        m.value_begin = pos_;
        value(depth, &m);
        m.value_end = pos_;
        (*sink)(m);
      } else {
        key_pos.push_back(key_begin);
        keys.emplace_back(key);
        value(depth, nullptr);
      }
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      expect('}');
      if (!sink) reject_duplicates(keys, key_pos);
      return;
    }
  }

  // Checked once the object is read: one hash set of views, no copies of the keys.
  static void reject_duplicates(const std::vector<std::string>& keys, const std::vector<size_t>& key_pos) {
    std::unordered_set<std::string_view> seen(keys.size() * 2);
    for (size_t i = 0; i < keys.size(); ++i)
      if (!seen.insert(keys[i]).second) throw_duplicate_key(keys[i], key_pos[i]);
  }

  void array(int depth) {
    enter(depth);
    expect('[');
    skip_ws();
    if (peek() == ']') {
      ++pos_;
      return;
    }
    for (;;) {
      skip_ws();
      value(depth, nullptr);
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      expect(']');
      return;
    }
  }

  // depth: that of the container holding the value.
  void value(int depth, MemberView* m) {
    size_t start = pos_;
    int c = peek();
    if (c == '"') {
      std::string_view v = string(m ? value_scratch_ : nested_scratch_);
      if (m) m->kind = Kind::kString, m->text = v;
      return;
    }
    if (c == '{' || c == '[') {
      if (c == '{')
        object(depth + 1, nullptr);
      else
        array(depth + 1);
      if (m)
        m->kind = Kind::kNested, value_scratch_ = compact(s_.substr(start, pos_ - start)), m->text = value_scratch_;
      return;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number(m);
    for (std::string_view word : {"true", "false", "null"}) {
      if (!literal(word)) continue;
      if (m) {
        m->kind = word == "null" ? Kind::kNull : Kind::kBool;
        m->b = word == "true";
        m->text = word;
      }
      return;
    }
    fail(c < 0 ? "unexpected end of input" : c == 0 ? "NUL byte" : "unexpected character");
  }

  // Valid JSON without the whitespace between tokens, so a writer that only re-indents a
  // nested value does not look like a change.
  static std::string compact(std::string_view json) {
    std::string out;
    out.reserve(json.size());
    bool in_string = false;
    for (size_t i = 0; i < json.size(); ++i) {
      char c = json[i];
      if (in_string) {
        out += c;
        if (c == '\\')
          out += json[++i];
        else if (c == '"')
          in_string = false;
      } else if (c == '"') {
        in_string = true;
        out += c;
      } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        out += c;
      }
    }
    return out;
  }

  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  void digits(const char* where) {
    if (!(peek() >= '0' && peek() <= '9')) fail(std::string("invalid number: digits expected ") + where);
    while (peek() >= '0' && peek() <= '9') ++pos_;
  }

  void number(MemberView* m) {
    size_t start = pos_;
    bool integral = true;
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
      if (peek() >= '0' && peek() <= '9') fail("leading zero in a number");
    } else {
      digits("after the sign");
    }
    if (peek() == '.') {
      ++pos_;
      digits("after '.'");
      integral = false;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      digits("in the exponent");
      integral = false;
    }
    std::string_view token = s_.substr(start, pos_ - start);
    if (integral) {
      long long v = 0;
      if (std::from_chars(token.data(), token.data() + token.size(), v).ec == std::errc()) {
        if (m) m->kind = Kind::kInt, m->i = v, m->d = static_cast<double>(v), m->text = token;
        return;
      }
      // too big for int64: keep it as a double if finite
    }
    // strtod, not from_chars: an underflow (1e-400) reads as 0, as it always has.
    std::string text(token);
    double d = std::strtod(text.c_str(), nullptr);
    if (!std::isfinite(d)) fail("number out of range (not a finite double)");
    if (m) m->kind = Kind::kDouble, m->d = d, m->text = token;
  }

  unsigned hex4() {
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      int c = peek();
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        v |= c - 'A' + 10;
      else
        fail("invalid \\u escape");
      ++pos_;
    }
    return v;
  }

  // The string's contents: a view of the text itself when it has no escape (no copy), else
  // decoded into scratch. Valid until scratch is used again.
  std::string_view string(std::string& scratch) {
    expect('"');
    size_t begin = pos_;
    for (;;) {
      pos_ = skip_plain(pos_);
      if (pos_ >= s_.size()) fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') return s_.substr(begin, pos_++ - begin);
      if (c == '\\') break;
      if (c == 0) fail("NUL byte in a string");
      if (c < 0x20) fail("control character in a string (must be escaped)");
      if (c < 0x80) {
        ++pos_;
        continue;
      }
      size_t n = utf8_sequence_length(s_, pos_);
      if (n == 0) fail("invalid UTF-8 in a string");
      pos_ += n;
    }
    scratch.assign(s_.data() + begin, pos_ - begin);
    decode_rest(scratch);
    return scratch;
  }

  // The first byte at or after i that is not plain printable ASCII inside a string: a quote, a
  // backslash, a control character or a UTF-8 lead byte. Eight bytes per step: strings are
  // most of a snapshot, and this is most of what reading them costs.
  size_t skip_plain(size_t i) const {
    constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
    auto zero_byte = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
    while (i + 8 <= s_.size()) {
      uint64_t w;
      std::memcpy(&w, s_.data() + i, 8);
      uint64_t special = zero_byte(w ^ (kOnes * '"')) | zero_byte(w ^ (kOnes * '\\')) |
                         ((w - kOnes * 0x20) & ~w & kHigh) | (w & kHigh);
      if (special) return i + __builtin_ctzll(special) / 8;  // little-endian: the lowest byte first
      i += 8;
    }
    return i;
  }

  // From a backslash to the closing quote, appending the decoded characters to out.
  void decode_rest(std::string& out) {
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return;
      }
      if (c == 0) fail("NUL byte in a string");
      if (c < 0x20) fail("control character in a string (must be escaped)");
      if (c >= 0x80) {
        size_t n = utf8_sequence_length(s_, pos_);
        if (n == 0) fail("invalid UTF-8 in a string");
        out.append(s_.substr(pos_, n));
        pos_ += n;
        continue;
      }
      if (c != '\\') {
        out += static_cast<char>(c);
        ++pos_;
        continue;
      }
      ++pos_;
      int e = peek();
      ++pos_;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp == 0) fail("\\u0000 (NUL) is not allowed");
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail("unpaired surrogate in a \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!literal("\\u")) fail("unpaired surrogate in a \\u escape");
            unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("unpaired surrogate in a \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: --pos_; fail("invalid escape in a string");
      }
    }
  }

  std::string_view s_;
  int max_depth_;
  size_t pos_ = 0;
  // Decoded strings: the top-level key and value handed to the sink, and anything nested (which
  // must not overwrite those two while a nested value is read).
  std::string key_scratch_, value_scratch_, nested_scratch_;
};

}  // namespace

void throw_duplicate_key(std::string_view key, size_t at) {
  throw ParseError("invalid JSON: duplicate key" + describe_key(std::string(key)) + " at byte " + std::to_string(at));
}

void parse_object_into(std::string_view text, const MemberSink& sink, int max_depth) {
  Reader(text, max_depth).top_object(sink);
}

std::vector<Member> parse_object(std::string_view text, int max_depth) {
  std::vector<Member> members;
  std::vector<size_t> key_pos;
  parse_object_into(
      text,
      [&](const MemberView& v) {
        Member m;
        m.key = v.key;
        m.kind = v.kind;
        m.text = v.text;
        m.i = v.i;
        m.d = v.d;
        m.b = v.b;
        m.value_begin = v.value_begin;
        m.value_end = v.value_end;
        members.push_back(std::move(m));
        key_pos.push_back(v.key_begin);
      },
      max_depth);
  std::unordered_set<std::string_view> seen(members.size() * 2);
  for (size_t i = 0; i < members.size(); ++i)
    if (!seen.insert(members[i].key).second) throw_duplicate_key(members[i].key, key_pos[i]);
  return members;
}

void check(std::string_view text, int max_depth) { Reader(text, max_depth).top_value(); }

void append_quoted(std::string& out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

std::string quoted(std::string_view s) {
  std::string out;
  append_quoted(out, s);
  return out;
}

}  // namespace omega::json
