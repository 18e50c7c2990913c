// .env syntax (one setting per line; a quoted value never spans lines, so an unterminated quote
// is reported on its own line instead of swallowing the rest of the file):
//   # comment            blank lines            KEY=value            export KEY=value
//   KEY = value          KEY=value # comment    (a '#' starts a comment only after whitespace)
//   KEY='literal'        KEY="escaped \n \t \r \" \\ \' \$ \` \uXXXX"
#include "model/env_file.h"

#include <cstdint>
#include <unordered_map>

#include "utf8.h"

namespace omega::settingsd {
namespace {

constexpr size_t kMaxKeyLength = 256;
constexpr size_t kMaxErrors = 100;  // a binary file must not produce a million messages
constexpr char kBom[] = "\xEF\xBB\xBF";

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_key_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_key_char(char c) { return is_key_start(c) || (c >= '0' && c <= '9'); }
bool is_control(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7F; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool read_hex4(std::string_view s, size_t pos, uint32_t* out) {
  if (pos + 4 > s.size()) return false;
  uint32_t v = 0;
  for (size_t k = 0; k < 4; ++k) {
    int d = hex_digit(s[pos + k]);
    if (d < 0) return false;
    v = (v << 4) | static_cast<uint32_t>(d);
  }
  *out = v;
  return true;
}

// Reads a double-quoted value starting at line[pos] == '"'. On success *pos is past the closing
// quote. On failure returns the message.
std::string read_double_quoted(std::string_view line, size_t* pos, std::string* value) {
  size_t i = *pos + 1;
  while (i < line.size()) {
    char c = line[i];
    if (c == '"') {
      *pos = i + 1;
      return "";
    }
    if (is_control(static_cast<unsigned char>(c))) {
      return "control character inside double quotes (write it as an escape such as \\n)";
    }
    if (c != '\\') {
      value->push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= line.size()) break;  // backslash at end of line: unterminated
    char e = line[i + 1];
    i += 2;
    switch (e) {
      case 'n': value->push_back('\n'); break;
      case 't': value->push_back('\t'); break;
      case 'r': value->push_back('\r'); break;
      case '"':
      case '\\':
      case '\'':
      case '$':
      case '`': value->push_back(e); break;
      case 'u': {
        uint32_t cp;
        if (!read_hex4(line, i, &cp)) return "invalid \\u escape (expected 4 hex digits)";
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low;
          if (line.substr(i, 2) != "\\u" || !read_hex4(line, i + 2, &low) || low < 0xDC00 || low > 0xDFFF) {
            return "unpaired surrogate in a \\u escape";
          }
          i += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return "unpaired surrogate in a \\u escape";
        } else if (cp == 0) {
          return "\\u0000 (NUL) is not allowed";
        }
        append_utf8(*value, cp);
        break;
      }
      default: {
        std::string shown =
            (static_cast<unsigned char>(e) >= 0x21 && static_cast<unsigned char>(e) <= 0x7E) ? std::string(1, e) : "?";
        return "unknown escape \\" + shown + " inside double quotes (use \\\\ for a backslash, or single quotes)";
      }
    }
  }
  return "unterminated double quote";
}

bool safe_unquoted(std::string_view v) {
  if (v.empty()) return false;
  for (unsigned char c : v) {
    if (c <= 0x20 || c == 0x7F || c == '"' || c == '\'' || c == '#' || c == '\\' || c == '$' || c == '`') {
      return false;
    }
  }
  return true;
}

// The value as .env text; `must_quote` when the text that follows it on the line would change
// the meaning of a bare value.
std::string encode_value(std::string_view v, bool must_quote) {
  if (!must_quote && (v.empty() || safe_unquoted(v))) return std::string(v);
  bool single_ok = true;
  for (unsigned char c : v) {
    if (c == '\'' || is_control(c)) single_ok = false;
  }
  if (single_ok) return "'" + std::string(v) + "'";
  std::string out = "\"";
  for (unsigned char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          static const char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += "\"";
  return out;
}

struct ParsedLine {
  bool is_entry = false;
  bool exported = false;
  std::string key;
  std::string value;
  size_t value_begin = 0;
  size_t value_end = 0;
};

// Parses one line (without its ending). Returns "" or the problem.
std::string parse_line(std::string_view line, ParsedLine* out) {
  if (line.find('\0') != std::string_view::npos) return "NUL byte in the line";
  if (!is_valid_utf8(line)) return "invalid UTF-8 in the line";
  size_t i = 0;
  while (i < line.size() && is_blank(line[i])) ++i;
  if (i == line.size() || line[i] == '#') return "";  // blank or comment
  if (line.substr(i, 6) == "export" && i + 6 < line.size() && is_blank(line[i + 6])) {
    out->exported = true;
    i += 6;
    while (i < line.size() && is_blank(line[i])) ++i;
  }
  size_t key_begin = i;
  while (i < line.size() && is_key_char(line[i])) ++i;
  std::string_view key = line.substr(key_begin, i - key_begin);
  bool key_ends_well = i == line.size() || line[i] == '=' || is_blank(line[i]);
  if (key.empty() || !is_key_start(key[0]) || !key_ends_well) {
    return "invalid key name (a key is letters, digits and '_', not starting with a digit)";
  }
  if (key.size() > kMaxKeyLength) return "key longer than 256 bytes";
  while (i < line.size() && is_blank(line[i])) ++i;
  if (i == line.size() || line[i] != '=') return "expected '=' after the key";
  ++i;
  size_t after_equals = i;
  while (i < line.size() && is_blank(line[i])) ++i;
  bool blank_before = i > after_equals;
  out->key = std::string(key);
  out->is_entry = true;
  out->value_begin = i;
  if (i == line.size() || (blank_before && line[i] == '#')) {
    out->value_end = i;
    return "";
  }
  if (line[i] == '\'') {
    size_t close = line.find('\'', i + 1);
    if (close == std::string_view::npos) return "unterminated single quote";
    std::string_view inner = line.substr(i + 1, close - i - 1);
    for (unsigned char c : inner) {
      if (is_control(c)) return "control character inside single quotes";
    }
    out->value = std::string(inner);
    i = close + 1;
  } else if (line[i] == '"') {
    std::string problem = read_double_quoted(line, &i, &out->value);
    if (!problem.empty()) return problem;
  } else {
    size_t end = i;
    size_t j = i;
    while (j < line.size()) {
      char c = line[j];
      if (c == '#' && is_blank(line[j - 1])) break;
      if (is_control(static_cast<unsigned char>(c))) return "control character in the value";
      if (!is_blank(c)) end = j + 1;
      ++j;
    }
    out->value = std::string(line.substr(i, end - i));
    out->value_end = end;
    return "";
  }
  out->value_end = i;
  while (i < line.size() && is_blank(line[i])) ++i;
  if (i < line.size() && line[i] != '#') return "unexpected text after the closing quote";
  return "";
}

}  // namespace

bool EnvFile::is_valid_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyLength || !is_key_start(key[0])) return false;
  for (char c : key) {
    if (!is_key_char(c)) return false;
  }
  return true;
}

std::string EnvFile::format_line(std::string_view key, std::string_view value) {
  return std::string(key) + "=" + encode_value(value, false);
}

bool EnvFile::parse(std::string_view text, EnvFile* out, std::vector<EnvError>* errors) {
  EnvFile file;
  std::vector<EnvError> problems;
  auto report = [&](int line, std::string message) {
    if (problems.size() < kMaxErrors) {
      problems.push_back({line, std::move(message)});
    } else if (problems.size() == kMaxErrors) {
      problems.push_back({line, "too many errors; stopped reporting"});
    }
  };

  if (text.substr(0, 3) == kBom) {
    file.bom_ = kBom;
    text.remove_prefix(3);
  }
  std::unordered_map<std::string, int> first_line;
  size_t pos = 0;
  int number = 0;
  while (pos < text.size()) {
    ++number;
    size_t nl = text.find('\n', pos);
    Line line;
    std::string_view content;
    if (nl == std::string_view::npos) {
      content = text.substr(pos);
      pos = text.size();
    } else {
      content = text.substr(pos, nl - pos);
      line.ending = "\n";
      pos = nl + 1;
    }
    if (!content.empty() && content.back() == '\r') {
      content.remove_suffix(1);
      line.ending = "\r" + line.ending;
    }
    if (number == 1) file.crlf_ = line.ending == "\r\n";
    line.raw = std::string(content);

    ParsedLine parsed;
    std::string problem = parse_line(content, &parsed);
    if (!problem.empty()) {
      report(number, problem);
    } else if (parsed.is_entry) {
      auto [it, inserted] = first_line.emplace(parsed.key, number);
      if (!inserted) {
        report(number, "duplicate key " + parsed.key + " (first set on line " + std::to_string(it->second) + ")");
      } else {
        line.entry = static_cast<int>(file.entries_.size());
        line.value_begin = parsed.value_begin;
        line.value_end = parsed.value_end;
        file.entries_.push_back({parsed.key, std::move(parsed.value), number});
      }
    }
    file.lines_.push_back(std::move(line));
  }

  if (!problems.empty()) {
    if (errors) *errors = std::move(problems);
    return false;
  }
  if (errors) errors->clear();
  if (out) *out = std::move(file);
  return true;
}

std::map<std::string, std::string> EnvFile::values() const {
  std::map<std::string, std::string> result;
  for (const EnvEntry& e : entries_) result.emplace(e.key, e.value);
  return result;
}

std::string EnvFile::render(const std::map<std::string, std::optional<std::string>>& updates) const {
  const std::string newline = crlf_ ? "\r\n" : "\n";
  std::string out = bom_;
  std::string_view last_ending = "\n";  // of the last line written; "" or "\r" at EOF

  for (const Line& line : lines_) {
    if (line.entry >= 0) {
      auto it = updates.find(entries_[line.entry].key);
      if (it != updates.end()) {
        if (!it->second) continue;  // removed, with its line ending
        std::string_view raw = line.raw;
        std::string_view suffix = raw.substr(line.value_end);
        bool must_quote = !suffix.empty() && !is_blank(suffix[0]);
        out.append(raw.substr(0, line.value_begin));
        out.append(encode_value(*it->second, must_quote));
        out.append(suffix);
        out.append(line.ending);
        last_ending = line.ending;
        continue;
      }
    }
    out.append(line.raw);
    out.append(line.ending);
    last_ending = line.ending;
  }
  std::map<std::string, int, std::less<>> present;
  for (const EnvEntry& e : entries_) present.emplace(e.key, 1);
  for (const auto& [key, value] : updates) {
    if (!value || present.count(key) || !is_valid_key(key)) continue;
    // Close an unterminated last line first (a lone "\r" there becomes "\r\n").
    if (last_ending.empty()) out.append(newline);
    if (last_ending == "\r") out.append("\n");
    out.append(format_line(key, *value));
    out.append(newline);
    last_ending = newline;
  }
  return out;
}

}  // namespace omega::settingsd
