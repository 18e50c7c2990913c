#include "model/dotenv_syntax.h"

#include <algorithm>

#include "utf8.h"

namespace omega::settingsd {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Length of the line break at s[i] ("\r\n" is one), or 0.
size_t line_break_length(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  if (s[i] == '\n') return 1;
  if (s[i] == '\r') return i + 1 < s.size() && s[i + 1] == '\n' ? 2 : 1;
  return 0;
}

// Length of the Python whitespace character at s[i] that is not a line break, or 0. The
// multi-byte ones are matched as bytes: their lead bytes never occur inside another character.
size_t blank_length(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  unsigned char c = s[i];
  if (c == ' ' || c == '\t' || c == '\v' || c == '\f' || (c >= 0x1C && c <= 0x1F)) return 1;
  if (c < 0x80) return 0;
  std::string_view rest = s.substr(i);
  auto starts = [&](std::string_view prefix) { return rest.substr(0, prefix.size()) == prefix; };
  if (starts("\xC2\x85") || starts("\xC2\xA0")) return 2;  // U+0085, U+00A0
  if (starts("\xE1\x9A\x80") || starts("\xE2\x80\xA8") || starts("\xE2\x80\xA9") || starts("\xE2\x80\xAF") ||
      starts("\xE2\x81\x9F") || starts("\xE3\x80\x80"))
    return 3;  // U+1680, U+2028, U+2029, U+202F, U+205F, U+3000
  if (rest.size() >= 3 && starts("\xE2\x80") && static_cast<unsigned char>(rest[2]) >= 0x80 &&
      static_cast<unsigned char>(rest[2]) <= 0x8A)
    return 3;  // U+2000-U+200A
  return 0;
}

size_t space_length(std::string_view s, size_t i) {
  size_t n = line_break_length(s, i);
  return n ? n : blank_length(s, i);
}

// Python reads the file with universal newlines: every line break is "\n".
std::string with_unix_line_breaks(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = line_break_length(s, i);
    out.push_back(n ? '\n' : s[i]);
    i += n ? n : 1;
  }
  return out;
}

// The backslash escapes python-dotenv decodes inside quotes; 0 if `e` is not one of them.
char decoded_escape(char quote, char e) {
  if (e == '\\' || e == '\'') return e;
  if (quote == '\'') return 0;
  switch (e) {
    case '"': return '"';
    case 'a': return '\a';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'v': return '\v';
    default: return 0;
  }
}

std::string decode_quoted(char quote, std::string_view written) {
  std::string s = with_unix_line_breaks(written);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char e = s[i] == '\\' && i + 1 < s.size() ? decoded_escape(quote, s[i + 1]) : 0;
    out.push_back(e ? e : s[i]);
    if (e) ++i;
  }
  return out;
}

// Reads statements the way python-dotenv's parser does, over the original bytes, so that every
// statement keeps its byte positions for write-back.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {
    if (s_.substr(0, kBom.size()) == kBom) pos_ = line_begin_ = kBom.size();
  }

  std::vector<DotenvStatement> run() {
    std::vector<DotenvStatement> out;
    while (pos_ < s_.size()) {
      skip_space();
      if (pos_ == s_.size()) break;
      DotenvStatement st;
      st.line = line_;
      st.line_begin = line_begin_;
      bool is_comment = false;
      st.error = statement(&st, &is_comment);
      if (!st.error.empty()) skip_rest_of_line();
      st.end = pos_;
      if (!is_comment) out.push_back(std::move(st));
    }
    return out;
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool at_line_end() const { return pos_ == s_.size() || line_break_length(s_, pos_) > 0; }

  // Moves to `to`, counting the line breaks passed.
  void advance_to(size_t to) {
    while (pos_ < to) {
      size_t n = line_break_length(s_, pos_);
      if (n == 0) {
        ++pos_;
        continue;
      }
      pos_ += n;
      ++line_;
      line_begin_ = pos_;
    }
  }
  void skip_space() {
    while (size_t n = space_length(s_, pos_)) advance_to(pos_ + n);
  }
  void skip_blanks() {
    while (size_t n = blank_length(s_, pos_)) pos_ += n;
  }
  size_t line_end(size_t from) const {
    while (from < s_.size() && !line_break_length(s_, from)) ++from;
    return from;
  }
  void skip_rest_of_line() {
    size_t end = line_end(pos_);
    advance_to(end + line_break_length(s_, end));
  }

  // One statement from pos_; "" or why python-dotenv cannot parse it.
  std::string statement(DotenvStatement* st, bool* is_comment) {
    if (s_.substr(pos_, 6) == "export" && blank_length(s_, pos_ + 6)) {
      pos_ += 6;
      skip_blanks();
    }
    if (peek() == '#') {
      *is_comment = true;
      skip_rest_of_line();
      return "";
    }
    if (std::string problem = key(st); !problem.empty()) return problem;
    skip_blanks();
    if (peek() == '=') {
      ++pos_;
      size_t after_equals = pos_;
      skip_blanks();
      st->has_value = true;
      // `KEY= # comment`: whitespace after '=' makes the '#' a comment (python-dotenv 1.2.4).
      bool empty_before_comment = pos_ > after_equals && peek() == '#';
      if (std::string problem = empty_before_comment ? empty_value(st) : value(st); !problem.empty()) return problem;
    }
    if (!st->has_value) return end_of_statement("expected '=' after the key");
    if (line_ == st->line) return end_of_statement("unexpected text after the closing quote");
    // A quote left open swallows the next lines up to the next quote: say where it closed.
    return end_of_statement("unexpected text after the closing quote on line " + std::to_string(line_) +
                            " (the quoted value that opens on this line closes there)");
  }

  std::string key(DotenvStatement* st) {
    if (peek() == '\'') {
      size_t close = s_.find('\'', pos_ + 1);
      if (close == std::string_view::npos || close == pos_ + 1) return "unterminated or empty quoted key";
      st->key = with_unix_line_breaks(s_.substr(pos_ + 1, close - pos_ - 1));
      advance_to(close + 1);
    } else {
      size_t end = pos_;
      while (end < s_.size() && s_[end] != '=' && s_[end] != '#' && !space_length(s_, end)) ++end;
      if (end == pos_) return peek() == '=' ? "missing key before '='" : "expected a key";
      st->key = std::string(s_.substr(pos_, end - pos_));
      pos_ = end;
    }
    st->key_end = pos_;
    return "";
  }

  std::string empty_value(DotenvStatement* st) {
    st->value_begin = st->value_end = pos_;
    return "";
  }

  std::string value(DotenvStatement* st) {
    if (peek() == '\'' || peek() == '"') return quoted_value(st);
    if (at_line_end()) return empty_value(st);
    return unquoted_value(st);
  }

  // A backslash always takes the next character with it, so \' or \" never closes the value.
  std::string quoted_value(DotenvStatement* st) {
    char quote = peek();
    size_t i = pos_ + 1;
    while (i < s_.size() && s_[i] != quote) i += s_[i] == '\\' ? 2 : 1;
    if (i >= s_.size()) return quote == '\'' ? "unterminated single quote" : "unterminated double quote";
    st->value = decode_quoted(quote, s_.substr(pos_ + 1, i - pos_ - 1));
    st->value_begin = pos_;
    advance_to(i + 1);
    st->value_end = pos_;
    return "";
  }

  // The rest of the line, cut at the first whitespace that precedes '#', right-stripped.
  std::string unquoted_value(DotenvStatement* st) {
    std::string_view part = s_.substr(pos_, line_end(pos_) - pos_);
    size_t kept = 0;  // past the last non-whitespace byte before the cut
    for (size_t i = 0; i < part.size();) {
      if (!blank_length(part, i)) {
        kept = ++i;
        continue;
      }
      size_t run_end = i;
      while (size_t n = blank_length(part, run_end)) run_end += n;
      if (run_end < part.size() && part[run_end] == '#') break;
      i = run_end;
    }
    st->value = std::string(part.substr(0, kept));
    st->value_begin = pos_;
    st->value_end = pos_ + kept;
    pos_ += part.size();
    return "";
  }

  // An optional '#' comment, then whitespace up to the line break or the end of the text.
  std::string end_of_statement(std::string problem) {
    size_t after_value = pos_;
    skip_blanks();
    if (peek() == '#') pos_ = line_end(pos_);
    if (!at_line_end()) {
      pos_ = after_value;
      return problem;
    }
    advance_to(pos_ + line_break_length(s_, pos_));
    return "";
  }

  std::string_view s_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_begin_ = 0;
};

// Shown bare: no whitespace, controls, quotes, or characters that mean something to python-dotenv
// or a shell ('#', '\', '$', '`'), so the bare text reads the same to every tool.
bool is_plain(std::string_view v) {
  if (v.empty()) return false;
  for (size_t i = 0; i < v.size(); ++i) {
    unsigned char c = v[i];
    if (c <= 0x20 || c == 0x7F || blank_length(v, i)) return false;
    if (std::string_view("\"'#\\$`").find(static_cast<char>(c)) != std::string_view::npos) return false;
  }
  return true;
}

// Single quotes are literal when the value has no quote, backslash or control character.
bool fits_single_quotes(std::string_view v) {
  return std::none_of(v.begin(), v.end(), [](char ch) {
    unsigned char c = ch;
    return c == '\'' || c == '\\' || c < 0x20 || c == 0x7F;
  });
}

std::string double_quoted(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;  // a raw CR would read as a line break
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\v': out += "\\v"; break;
      default: out.push_back(c);  // no other escapes exist: other controls stay raw
    }
  }
  return out + "\"";
}

}  // namespace

std::vector<DotenvStatement> scan_dotenv(std::string_view text) { return Scanner(text).run(); }

bool has_dotenv_expansion(std::string_view v) {
  // ${NAME} where NAME has no '}' or ':', or ${NAME:-DEFAULT} where DEFAULT has no '}'.
  size_t last_close = v.rfind('}');
  if (last_close == std::string_view::npos) return false;
  size_t stop = 0;  // the first '}' or ':' after the current "${"; only moves forward
  for (size_t p = v.find("${"); p != std::string_view::npos; p = v.find("${", p + 1)) {
    stop = v.find_first_of("}:", std::max(stop, p + 2));
    if (stop == std::string_view::npos) return false;
    if (v[stop] == '}') return true;
    if (stop + 1 < v.size() && v[stop + 1] == '-' && last_close > stop + 1) return true;
  }
  return false;
}

std::string encode_dotenv_value(std::string_view v, std::string_view rest_of_line) {
  // A bare value ends where its line ends or at whitespace; `KEY=` + "" + " # c" is empty too.
  bool bare_fits = rest_of_line.empty() || blank_length(rest_of_line, 0) > 0;
  if (bare_fits && (v.empty() || is_plain(v))) return std::string(v);
  if (fits_single_quotes(v)) return "'" + std::string(v) + "'";
  return double_quoted(v);
}

bool dotenv_writable(std::string_view value, std::string* why) {
  std::string scratch;
  std::string& reason = why ? *why : scratch;
  if (value.find('\0') != std::string_view::npos) return reason = "contains a NUL byte", false;
  if (!is_valid_utf8(value)) return reason = "is not valid UTF-8", false;
  if (has_dotenv_expansion(value)) {
    reason =
        "contains ${...}, which python-dotenv (and so pydantic-settings) would expand from earlier keys or the "
        "reading process's environment; write the value out in full (python-dotenv has no escape for a literal "
        "${NAME}, not even single quotes)";
    return false;
  }
  return true;
}

}  // namespace omega::settingsd
