#include "json_reader.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <unordered_set>

#include "errors.h"

namespace omega::json {
namespace {

constexpr int kMaxDepth = 64;

class Reader {
 public:
  Reader(std::string_view text, int code) : s_(text), code_(code) {}

  std::vector<Member> top_object() {
    skip_ws();
    if (peek() != '{') fail("expected a JSON object");
    std::vector<Member> members;
    object(0, &members);
    skip_ws();
    if (pos_ != s_.size()) fail("unexpected data after the JSON object");
    return members;
  }

 private:
  [[noreturn]] void fail(const std::string& why) {
    throw Error(code_, "invalid JSON: " + why + " at byte " + std::to_string(pos_));
  }
  int peek() const { return pos_ < s_.size() ? static_cast<unsigned char>(s_[pos_]) : -1; }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }

  // members != nullptr only for the top level: its values are decoded.
  void object(int depth, std::vector<Member>* members) {
    if (depth >= kMaxDepth) fail("nesting deeper than 64");
    expect('{');
    std::vector<std::string> keys;  // checked for duplicates once the object is read
    skip_ws();
    if (peek() == '}') { ++pos_; return; }
    for (;;) {
      skip_ws();
      if (peek() != '"') fail("expected a string key");
      std::string key = string();
      skip_ws();
      expect(':');
      skip_ws();
      if (members) {
        Member m;
        m.key = std::move(key);
        value(depth + 1, &m);
        members->push_back(std::move(m));
      } else {
        keys.push_back(std::move(key));
        value(depth + 1, nullptr);
      }
      skip_ws();
      if (peek() == ',') { ++pos_; continue; }
      expect('}');
      std::vector<const std::string*> sorted;
      if (members) for (const auto& m : *members) sorted.push_back(&m.key);
      for (const auto& k : keys) sorted.push_back(&k);
      reject_duplicates(sorted);
      return;
    }
  }

  void reject_duplicates(const std::vector<const std::string*>& keys) {
    std::unordered_set<std::string_view> seen(keys.size() * 2);
    for (const std::string* k : keys)
      if (!seen.insert(*k).second) fail("duplicate key \"" + *k + "\"");
  }

  void array(int depth) {
    if (depth >= kMaxDepth) fail("nesting deeper than 64");
    expect('[');
    skip_ws();
    if (peek() == ']') { ++pos_; return; }
    for (;;) {
      skip_ws();
      value(depth + 1, nullptr);
      skip_ws();
      if (peek() == ',') { ++pos_; continue; }
      expect(']');
      return;
    }
  }

  void value(int depth, Member* m) {
    size_t start = pos_;
    int c = peek();
    if (c == '"') {
      std::string v = string();
      if (m) { m->kind = Kind::String; m->text = std::move(v); }
      return;
    }
    if (c == '{' || c == '[') {
      if (c == '{') object(depth, nullptr); else array(depth);
      if (m) { m->kind = Kind::Nested; m->text = compact(s_.substr(start, pos_ - start)); }
      return;
    }
    if (c == '-' || (c >= '0' && c <= '9')) { number(m); return; }
    if (literal("true")) { if (m) { m->kind = Kind::Bool; m->b = true; m->text = "true"; } return; }
    if (literal("false")) { if (m) { m->kind = Kind::Bool; m->b = false; m->text = "false"; } return; }
    if (literal("null")) { if (m) { m->kind = Kind::Null; m->text = "null"; } return; }
    fail("unexpected character");
  }

  // Valid JSON without the whitespace between tokens, so a writer that only
  // re-indents a nested value does not look like a change.
  static std::string compact(std::string_view json) {
    std::string out;
    out.reserve(json.size());
    bool in_string = false;
    for (size_t i = 0; i < json.size(); ++i) {
      char c = json[i];
      if (in_string) {
        out += c;
        if (c == '\\') out += json[++i];
        else if (c == '"') in_string = false;
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

  void digits() {
    if (!(peek() >= '0' && peek() <= '9')) fail("expected a digit");
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
      digits();
    }
    if (peek() == '.') { ++pos_; digits(); integral = false; }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      digits();
      integral = false;
    }
    std::string token(s_.substr(start, pos_ - start));
    errno = 0;
    if (integral) {
      long long v = std::strtoll(token.c_str(), nullptr, 10);
      if (errno != ERANGE) {
        if (m) { m->kind = Kind::Int; m->i = v; m->d = static_cast<double>(v); m->text = token; }
        return;
      }
      errno = 0;  // too big for int64: keep it as a double if finite
    }
    double d = std::strtod(token.c_str(), nullptr);
    if (!std::isfinite(d)) fail("number out of range");
    if (m) { m->kind = Kind::Double; m->d = d; m->text = token; }
  }

  unsigned hex4() {
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      int c = peek();
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else fail("bad \\u escape");
      ++pos_;
    }
    return v;
  }

  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // One UTF-8 sequence starting at pos_, copied to out; rejects overlongs,
  // surrogates and code points above U+10FFFF.
  void utf8_sequence(std::string& out) {
    unsigned char c = static_cast<unsigned char>(s_[pos_]);
    int n;
    unsigned cp, min;
    if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; min = 0x10000; }
    else fail("invalid UTF-8");
    if (pos_ + n >= s_.size()) fail("truncated UTF-8");
    for (int k = 1; k <= n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s_[pos_ + k]);
      if ((cc & 0xC0) != 0x80) fail("invalid UTF-8");
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("invalid UTF-8");
    out.append(s_.substr(pos_, n + 1));
    pos_ += n + 1;
  }

  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') { ++pos_; return out; }
      if (c < 0x20) fail("control character in a string");
      if (c >= 0x80) { utf8_sequence(out); continue; }
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
          if (cp == 0) fail("\\u0000 in a string");
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone low surrogate");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!literal("\\u")) fail("lone high surrogate");
            unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          put_utf8(out, cp);
          break;
        }
        default: --pos_; fail("bad escape");
      }
    }
  }

  std::string_view s_;
  int code_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<Member> parse_object(std::string_view text, int error_code) {
  return Reader(text, error_code).top_object();
}

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

}  // namespace omega::json
