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
  std::string value;  // after unquoting/unescaping
  int line;           // 1-based
};

struct EnvError {
  int line;             // 1-based; 0 when the problem is not tied to a line (e.g. file too big)
  std::string message;  // names the line's problem; never echoes a value
};

// Threading: an EnvFile is a plain value; const methods may run on several threads at once.
class EnvFile {
 public:
  // Parses .env text: comments, blank lines, `export KEY=...`, single/double quotes, escapes in
  // double quotes (\n \t \" \\ ...), CRLF, a UTF-8 BOM. A duplicate key, a bad key name or an
  // unterminated quote is an error with its line number. Returns false and fills *errors (all
  // problems found) on failure. `errors` may be null; on failure *out is left unchanged.
  // Details: `KEY = value` may have blanks around '='; in a bare value, '#' starts a comment
  // only after whitespace (`URL=http://h/#x` keeps its '#'); a quoted value ends on its own
  // line (write a newline as \n in double quotes); double-quote escapes are \n \t \r \"
  // \\ \' \$ \` \uXXXX (others are an error: no silent "C:\temp"); no $VAR interpolation.
  // NUL bytes, invalid UTF-8 and raw control characters (other than tab) are errors. At most
  // 100 errors are listed.
  static bool parse(std::string_view text, EnvFile* out, std::vector<EnvError>* errors);

  const std::vector<EnvEntry>& entries() const { return entries_; }
  std::map<std::string, std::string> values() const;

  // The file text with updates applied: a value replaces the key's line in place (keeping the
  // `export ` prefix), std::nullopt removes the line; new keys are appended at the end.
  // Comments, blank lines and the order of untouched lines are kept byte-for-byte. Values are
  // quoted/escaped so that parse(render(...)) gives back exactly the values (which must be
  // valid UTF-8 without NUL: Schema guarantees that). A replaced line keeps its own
  // indentation, `export `, spacing, trailing comment and line ending: only the value changes.
  // Appended lines use the first line's ending (CRLF file stays CRLF). Keys must be valid names
  // (is_valid_key); an invalid key in `updates` is ignored (callers validate first).
  std::string render(const std::map<std::string, std::optional<std::string>>& updates) const;

  // A key is [A-Za-z_][A-Za-z0-9_]* (at most 256 bytes).
  static bool is_valid_key(std::string_view key);

  // The `KEY=value` text (without line ending) that parse() reads back as `value`.
  static std::string format_line(std::string_view key, std::string_view value);

 private:
  struct Line {
    std::string raw;         // the line as in the file, without its line ending
    std::string ending;      // "\n", "\r\n" or "" (last line without newline)
    int entry = -1;          // index into entries_, or -1 for comments/blank lines
    size_t value_begin = 0;  // raw[value_begin, value_end) is the value as written (quotes
    size_t value_end = 0;    // included); render() swaps only that span
  };
  std::vector<Line> lines_;
  std::vector<EnvEntry> entries_;
  std::string bom_;    // "\xEF\xBB\xBF" when the file starts with one (kept on render)
  bool crlf_ = false;  // the first line ending is CRLF: new lines use CRLF too
};

}  // namespace omega::settingsd
