// A small recursive-descent JSON parser that enforces what cJSON 1.7.15 does not (see the
// header) and builds the cJSON tree itself, so nothing cJSON would accept silently gets through.
#include "strict_json.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <locale.h>
#include <stdlib.h>
#include <memory>
#include <set>

namespace omega::settingsd {
namespace {

// Recursion is bounded by the depth limit; this hard cap keeps a caller's huge limit from
// exhausting the stack.
constexpr size_t kHardMaxDepth = 512;

struct CJsonDeleter {
  void operator()(cJSON* p) const { cJSON_Delete(p); }
};
using JsonPtr = std::unique_ptr<cJSON, CJsonDeleter>;

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 if malformed.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;  // continuation byte, overlong lead (C0/C1) or > U+10FFFF lead
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    unsigned char cc = byte(i + k);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return 0;  // overlong
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;                             // surrogate
  if (cp > 0x10FFFF) return 0;
  return len;
}


// A key is quoted in messages only when it is short and printable, so a message never
// carries binary junk or a value pasted where a key belongs.
std::string describe_key(const std::string& key) {
  if (key.empty() || key.size() > 64) return "";
  for (unsigned char c : key) {
    if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') return "";
  }
  return " \"" + key + "\"";
}

class Parser {
 public:
  Parser(std::string_view text, size_t max_depth)
      : s_(text), max_depth_(max_depth < kHardMaxDepth ? max_depth : kHardMaxDepth) {}

  cJSON* run(std::string* error) {
    skip_ws();
    JsonPtr root(parse_value(0));
    if (root) {
      skip_ws();
      if (pos_ != s_.size()) fail("unexpected data after the JSON value");
    }
    if (!error_.empty()) {
      if (error) *error = "invalid JSON at byte " + std::to_string(err_pos_) + ": " + error_;
      return nullptr;
    }
    return root.release();
  }

 private:
  cJSON* fail(const std::string& message) {
    if (error_.empty()) {
      error_ = message;
      err_pos_ = pos_;
    }
    return nullptr;
  }

  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return s_[pos_]; }

  void skip_ws() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
      ++pos_;
    }
  }

  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  cJSON* parse_value(size_t depth) {
    if (at_end()) return fail("unexpected end of input");
    char c = peek();
    switch (c) {
      case '{':
        return parse_object(depth + 1);
      case '[':
        return parse_array(depth + 1);
      case '"': {
        std::string str;
        if (!parse_string(&str)) return nullptr;
        cJSON* item = cJSON_CreateString(str.c_str());
        return item ? item : fail("out of memory");
      }
      case 't':
        if (literal("true")) return cJSON_CreateTrue();
        break;
      case 'f':
        if (literal("false")) return cJSON_CreateFalse();
        break;
      case 'n':
        if (literal("null")) return cJSON_CreateNull();
        break;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
    }
    if (c == '\0') return fail("NUL byte");
    return fail("unexpected character");
  }

  cJSON* parse_object(size_t depth) {
    if (depth > max_depth_) return fail("nesting deeper than " + std::to_string(max_depth_));
    ++pos_;  // '{'
    JsonPtr obj(cJSON_CreateObject());
    if (!obj) return fail("out of memory");
    std::set<std::string> seen;
    skip_ws();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return obj.release();
    }
    for (;;) {
      skip_ws();
      if (at_end() || peek() != '"') return fail("expected a string key");
      size_t key_pos = pos_;
      std::string key;
      if (!parse_string(&key)) return nullptr;
      if (!seen.insert(key).second) {
        pos_ = key_pos;
        return fail("duplicate key" + describe_key(key));
      }
      skip_ws();
      if (at_end() || peek() != ':') return fail("expected ':'");
      ++pos_;
      skip_ws();
      cJSON* value = parse_value(depth);
      if (!value) return nullptr;
      cJSON_AddItemToObject(obj.get(), key.c_str(), value);
      skip_ws();
      if (at_end()) return fail("unexpected end of input in an object");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return obj.release();
      }
      return fail("expected ',' or '}'");
    }
  }

  cJSON* parse_array(size_t depth) {
    if (depth > max_depth_) return fail("nesting deeper than " + std::to_string(max_depth_));
    ++pos_;  // '['
    JsonPtr arr(cJSON_CreateArray());
    if (!arr) return fail("out of memory");
    skip_ws();
    if (!at_end() && peek() == ']') {
      ++pos_;
      return arr.release();
    }
    for (;;) {
      skip_ws();
      cJSON* value = parse_value(depth);
      if (!value) return nullptr;
      cJSON_AddItemToArray(arr.get(), value);
      skip_ws();
      if (at_end()) return fail("unexpected end of input in an array");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return arr.release();
      }
      return fail("expected ',' or ']'");
    }
  }

  cJSON* parse_number() {
    size_t start = pos_;
    auto digits = [&] {
      size_t n = 0;
      while (!at_end() && peek() >= '0' && peek() <= '9') {
        ++pos_;
        ++n;
      }
      return n;
    };
    if (peek() == '-') ++pos_;
    if (at_end()) return fail("invalid number");
    if (peek() == '0') {
      ++pos_;
      if (!at_end() && peek() >= '0' && peek() <= '9') return fail("leading zero in a number");
    } else if (digits() == 0) {
      return fail("invalid number");
    }
    if (!at_end() && peek() == '.') {
      ++pos_;
      if (digits() == 0) return fail("invalid number: digits expected after '.'");
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (digits() == 0) return fail("invalid number: digits expected in the exponent");
    }
    // strtod_l with the "C" locale: a process locale with ',' as decimal point must not change
    // what a JSON number means.
    static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(0));
    std::string text(s_.substr(start, pos_ - start));
    errno = 0;
    char* end = nullptr;
    double value = strtod_l(text.c_str(), &end, c_locale);
    if (end != text.c_str() + text.size()) {
      pos_ = start;
      return fail("invalid number");
    }
    if (!std::isfinite(value) || (errno == ERANGE && std::fabs(value) > 1.0)) {
      pos_ = start;
      return fail("number out of range (not a finite double)");
    }
    cJSON* item = cJSON_CreateNumber(value);
    return item ? item : fail("out of memory");
  }

  bool parse_hex4(uint32_t* out) {
    if (pos_ + 4 > s_.size()) return fail("truncated \\u escape"), false;
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[pos_ + k];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return fail("invalid \\u escape"), false;
    }
    pos_ += 4;
    *out = v;
    return true;
  }

  bool parse_string(std::string* out) {
    ++pos_;  // opening quote
    for (;;) {
      if (at_end()) return fail("unterminated string"), false;
      unsigned char c = static_cast<unsigned char>(peek());
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\0') return fail("NUL byte in a string"), false;
      if (c < 0x20) return fail("control character in a string (must be escaped)"), false;
      if (c == '\\') {
        ++pos_;
        if (at_end()) return fail("unterminated string"), false;
        char e = peek();
        ++pos_;
        switch (e) {
          case '"': out->push_back('"'); break;
          case '\\': out->push_back('\\'); break;
          case '/': out->push_back('/'); break;
          case 'b': out->push_back('\b'); break;
          case 'f': out->push_back('\f'); break;
          case 'n': out->push_back('\n'); break;
          case 'r': out->push_back('\r'); break;
          case 't': out->push_back('\t'); break;
          case 'u': {
            size_t esc_pos = pos_ - 2;
            uint32_t cp;
            if (!parse_hex4(&cp)) return false;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              uint32_t low;
              if (s_.substr(pos_, 2) != "\\u") {
                pos_ = esc_pos;
                return fail("unpaired surrogate in a \\u escape"), false;
              }
              pos_ += 2;
              if (!parse_hex4(&low)) return false;
              if (low < 0xDC00 || low > 0xDFFF) {
                pos_ = esc_pos;
                return fail("unpaired surrogate in a \\u escape"), false;
              }
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
              pos_ = esc_pos;
              return fail("unpaired surrogate in a \\u escape"), false;
            } else if (cp == 0) {
              pos_ = esc_pos;
              return fail("\\u0000 (NUL) is not allowed"), false;
            }
            append_utf8(out, cp);
            break;
          }
          default:
            pos_ -= 2;
            return fail("invalid escape in a string"), false;
        }
        continue;
      }
      size_t len = utf8_sequence_length(s_, pos_);
      if (len == 0) return fail("invalid UTF-8 in a string"), false;
      out->append(s_.substr(pos_, len));
      pos_ += len;
    }
  }

  std::string_view s_;
  size_t max_depth_;
  size_t pos_ = 0;
  std::string error_;
  size_t err_pos_ = 0;
};

}  // namespace

bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t len = utf8_sequence_length(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

void append_utf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

cJSON* parse_strict_json(std::string_view text, size_t max_depth, std::string* error) {
  return Parser(text, max_depth).run(error);
}

}  // namespace omega::settingsd
