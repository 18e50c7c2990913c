// The canonical .env file: parse it, and render it back with updates applied while keeping
// comments, blank lines and untouched lines byte-for-byte (the writer's durability contract).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace omega::settingsd {

struct EnvEntry {
  std::string key;
  std::optional<std::string> value;  // as python-dotenv reads it; nullopt for `KEY` without '='
  int line;                          // 1-based
};

struct EnvError {
  int line;             // 1-based; 0 when the problem is not tied to a line (e.g. file too big)
  std::string message;  // names the line's problem; never echoes a value
};

// Threading: an EnvFile is a plain value; const methods may run on several threads at once.
class EnvFile {
 public:
  // Parses .env text in python-dotenv's dialect (dotenv_syntax.h has the grammar): every value
  // is what python-dotenv, and so pydantic-settings, reads from the same file. Where following
  // python-dotenv would be unsafe for the writer, the file is refused instead, each problem
  // with its line number:
  //   - a value python-dotenv would expand (${NAME}, ${NAME:-default}, in any quotes): it
  //     would depend on the reading process's environment;
  //   - a key set twice (python-dotenv keeps the last one silently): both lines are named;
  //   - a statement python-dotenv cannot parse (it skips it with a warning);
  //   - a NUL byte or invalid UTF-8.
  // Returns false and fills *errors (at most 100) on failure; `errors` may be null; on failure
  // *out is left unchanged.
  static bool parse(std::string_view text, EnvFile* out, std::vector<EnvError>* errors);

  const std::vector<EnvEntry>& entries() const { return entries_; }
  // The keys that have a value. `KEY` without '=' is left out: pydantic-settings treats it as
  // unset.
  std::map<std::string, std::string> values() const;

  // The file text with updates applied: a value replaces the key's value in place (keeping the
  // line's `export `, indentation, spacing, trailing comment and line ending), std::nullopt
  // removes the statement, new keys are appended at the end with the file's first line ending.
  // Every other byte is kept, so every statement not updated reads back as before. Values are
  // written so that python-dotenv and parse() read back exactly them; they must be writable()
  // (the writer checks before; a value that is not would make parse() refuse the result). Keys
  // must be valid names (is_valid_key); an invalid key in `updates` is ignored.
  std::string render(const std::map<std::string, std::optional<std::string>>& updates) const;

  // A key the writer may add: [A-Za-z_][A-Za-z0-9_]* (at most 256 bytes).
  static bool is_valid_key(std::string_view key);

  // True if the value can be written so that python-dotenv reads back exactly it; otherwise
  // false and *why (never the value): it would be expanded (${...}), has a NUL, or is not UTF-8.
  static bool writable(std::string_view value, std::string* why);

  // The `KEY=value` text (without line ending) that parse() and python-dotenv read back as
  // `value` (which must be writable()).
  static std::string format_line(std::string_view key, std::string_view value);

 private:
  // Where an entry is written: see DotenvStatement.
  struct Place {
    size_t line_begin = 0, end = 0;
    size_t key_end = 0;
    size_t value_begin = 0, value_end = 0;
  };
  std::string text_;
  std::vector<EnvEntry> entries_;
  std::vector<Place> places_;   // one per entry
  std::string newline_ = "\n";  // for appended lines: the file's first line ending
};

}  // namespace omega::settingsd
