// The writer's .env: python-dotenv's dialect (model/dotenv_syntax.h) plus the refusals that keep
// the writer from differing from its readers silently, and a render that edits values in place.
#include "model/env_file.h"

#include <unordered_map>

#include "model/dotenv_syntax.h"
#include "utf8.h"

namespace omega::settingsd {
namespace {

constexpr size_t kMaxKeyLength = 256;
constexpr size_t kMaxErrors = 100;  // a binary file must not produce a million messages

bool is_key_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_key_char(char c) { return is_key_start(c) || (c >= '0' && c <= '9'); }

class ErrorList {
 public:
  void add(int line, std::string message) {
    if (list_.size() < kMaxErrors) {
      list_.push_back({line, std::move(message)});
    } else if (list_.size() == kMaxErrors) {
      list_.push_back({line, "too many errors; stopped reporting"});
    }
  }
  bool empty() const { return list_.empty(); }
  std::vector<EnvError> take() { return std::move(list_); }

 private:
  std::vector<EnvError> list_;
};

// A key as shown in a message: python-dotenv keys may hold any character but '=', '#' and
// whitespace, so control characters are masked (messages end up in logs, one per line).
std::string shown_key(std::string_view key) {
  std::string out;
  for (unsigned char c : key.substr(0, kMaxKeyLength)) out.push_back(c < 0x20 || c == 0x7F ? '?' : c);
  return key.size() > kMaxKeyLength ? out + "..." : out;
}

// NUL bytes and invalid UTF-8, per physical line: python cannot read the file (UTF-8) or the
// value cannot be published (NUL). The grammar runs only on text that passes.
void check_encoding(std::string_view text, ErrorList* errors) {
  int line = 1;
  for (size_t begin = 0; begin <= text.size();) {
    size_t end = text.find_first_of("\r\n", begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view content = text.substr(begin, end - begin);
    if (content.find('\0') != std::string_view::npos) {
      errors->add(line, "NUL byte in the line");
    } else if (!is_valid_utf8(content)) {
      errors->add(line, "invalid UTF-8 in the line");
    }
    if (end == text.size()) break;
    begin = end + (text.substr(end, 2) == "\r\n" ? 2 : 1);
    ++line;
  }
}

std::string first_line_ending(std::string_view text) {
  size_t at = text.find_first_of("\r\n");
  if (at != std::string_view::npos && text.substr(at, 2) == "\r\n") return "\r\n";
  return "\n";
}

// The refusals for one statement python-dotenv reads: a second definition of a key, and a value
// it would expand.
void check_statement(const DotenvStatement& st, std::unordered_map<std::string, int>* first_line, ErrorList* errors) {
  auto [it, inserted] = first_line->emplace(st.key, st.line);
  if (!inserted) {
    errors->add(st.line, "duplicate key " + shown_key(st.key) + " (first set on line " + std::to_string(it->second) +
                             "; python-dotenv would silently keep the last one)");
  }
  std::string why;
  if (st.has_value && !EnvFile::writable(st.value, &why))
    errors->add(st.line, "the value of " + shown_key(st.key) + " " + why);
}

}  // namespace

bool EnvFile::is_valid_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyLength || !is_key_start(key[0])) return false;
  for (char c : key) {
    if (!is_key_char(c)) return false;
  }
  return true;
}

bool EnvFile::writable(std::string_view value, std::string* why) { return dotenv_writable(value, why); }

std::string EnvFile::format_line(std::string_view key, std::string_view value) {
  return std::string(key) + "=" + encode_dotenv_value(value, "");
}

bool EnvFile::parse(std::string_view text, EnvFile* out, std::vector<EnvError>* errors) {
  ErrorList problems;
  check_encoding(text, &problems);
  EnvFile file;
  if (problems.empty()) {
    std::unordered_map<std::string, int> first_line;
    for (DotenvStatement& st : scan_dotenv(text)) {
      if (!st.error.empty()) {
        problems.add(st.line, st.error + " (python-dotenv would skip this statement)");
        continue;
      }
      check_statement(st, &first_line, &problems);
      file.places_.push_back({st.line_begin, st.end, st.key_end, st.value_begin, st.value_end});
      file.entries_.push_back(
          {std::move(st.key), st.has_value ? std::optional<std::string>(std::move(st.value)) : std::nullopt, st.line});
    }
  }
  if (!problems.empty()) {
    if (errors) *errors = problems.take();
    return false;
  }
  if (errors) errors->clear();
  file.text_ = std::string(text);
  file.newline_ = first_line_ending(text);
  if (out) *out = std::move(file);
  return true;
}

std::map<std::string, std::string> EnvFile::values() const {
  std::map<std::string, std::string> result;
  for (const EnvEntry& e : entries_) {
    if (e.value) result.emplace(e.key, *e.value);
  }
  return result;
}

std::string EnvFile::render(const std::map<std::string, std::optional<std::string>>& updates) const {
  auto rest_of_line = [&](size_t from) {
    size_t end = text_.find_first_of("\r\n", from);
    return std::string_view(text_).substr(from, end == std::string::npos ? std::string::npos : end - from);
  };
  std::string out;
  out.reserve(text_.size() + 64);
  size_t copied = 0;  // text_[0, copied) is in `out` or deliberately left out
  auto replace = [&](size_t begin, size_t end, std::string_view with) {
    out.append(text_, copied, begin - copied);
    out.append(with);
    copied = end;
  };
  for (size_t i = 0; i < entries_.size(); ++i) {
    auto it = updates.find(entries_[i].key);
    if (it == updates.end()) continue;
    const Place& at = places_[i];
    if (!it->second) {
      replace(at.line_begin, at.end, "");  // the statement with its line ending
    } else if (entries_[i].value) {
      replace(at.value_begin, at.value_end, encode_dotenv_value(*it->second, rest_of_line(at.value_end)));
    } else {  // `KEY` without '=' gets one
      replace(at.key_end, at.key_end, "=" + encode_dotenv_value(*it->second, rest_of_line(at.key_end)));
    }
  }
  out.append(text_, copied, std::string::npos);

  std::unordered_map<std::string_view, int> present;
  for (const EnvEntry& e : entries_) present.emplace(e.key, 1);
  for (const auto& [key, value] : updates) {
    if (!value || present.count(key) || !is_valid_key(key)) continue;
    if (!out.empty() && out.back() != '\n' && out.back() != '\r') out.append(newline_);
    out.append(format_line(key, *value));
    out.append(newline_);
  }
  return out;
}

}  // namespace omega::settingsd
