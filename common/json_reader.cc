#include "json_reader.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
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

  std::vector<Member> top_object() {
    skip_ws();
    if (peek() != '{') fail("expected a JSON object");
    std::vector<Member> members;
    object(1, &members);
    finish();
    return members;
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

  // members != nullptr only for the top level: its values are decoded.
  void object(int depth, std::vector<Member>* members) {
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
      key_pos.push_back(pos_);
      std::string key = string();
      skip_ws();
      expect(':');
      skip_ws();
      if (members) {
        Member m;
        m.key = std::move(key);
        m.value_begin = pos_;
        value(depth, &m);
        m.value_end = pos_;
        members->push_back(std::move(m));
      } else {
        keys.push_back(std::move(key));
        value(depth, nullptr);
      }
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      expect('}');
      // Checked once the object is read: one hash set of views, no copies of the keys.
      std::vector<std::string_view> names(keys.begin(), keys.end());
      if (members)
        for (const auto& m : *members) names.push_back(m.key);
      reject_duplicates(names, key_pos);
      return;
    }
  }

  void reject_duplicates(const std::vector<std::string_view>& keys, const std::vector<size_t>& key_pos) {
    std::unordered_set<std::string_view> seen(keys.size() * 2);
    for (size_t i = 0; i < keys.size(); ++i) {
      if (seen.insert(keys[i]).second) continue;
      pos_ = key_pos[i];
      fail("duplicate key" + describe_key(std::string(keys[i])));
    }
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
  void value(int depth, Member* m) {
    size_t start = pos_;
    int c = peek();
    if (c == '"') {
      std::string v = string();
      if (m) m->kind = Kind::kString, m->text = std::move(v);
      return;
    }
    if (c == '{' || c == '[') {
      if (c == '{')
        object(depth + 1, nullptr);
      else
        array(depth + 1);
      if (m) m->kind = Kind::kNested, m->text = compact(s_.substr(start, pos_ - start));
      return;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number(m);
    if (literal("true")) {
      if (m) m->kind = Kind::kBool, m->b = true, m->text = "true";
      return;
    }
    if (literal("false")) {
      if (m) m->kind = Kind::kBool, m->b = false, m->text = "false";
      return;
    }
    if (literal("null")) {
      if (m) m->kind = Kind::kNull, m->text = "null";
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

  void number(Member* m) {
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
    std::string token(s_.substr(start, pos_ - start));
    errno = 0;
    if (integral) {
      long long v = std::strtoll(token.c_str(), nullptr, 10);
      if (errno != ERANGE) {
        if (m) m->kind = Kind::kInt, m->i = v, m->d = static_cast<double>(v), m->text = std::move(token);
        return;
      }
      errno = 0;  // too big for int64: keep it as a double if finite
    }
    double d = std::strtod(token.c_str(), nullptr);
    if (!std::isfinite(d)) fail("number out of range (not a finite double)");
    if (m) m->kind = Kind::kDouble, m->d = d, m->text = std::move(token);
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

  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
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
        // A run of plain ASCII is appended in one go.
        size_t end = pos_ + 1;
        while (end < s_.size()) {
          unsigned char d = static_cast<unsigned char>(s_[end]);
          if (d == '"' || d == '\\' || d < 0x20 || d >= 0x80) break;
          ++end;
        }
        out.append(s_.data() + pos_, end - pos_);
        pos_ = end;
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
};

}  // namespace

std::vector<Member> parse_object(std::string_view text, int max_depth) { return Reader(text, max_depth).top_object(); }

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
