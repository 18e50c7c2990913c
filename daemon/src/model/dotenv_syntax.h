// python-dotenv's .env grammar (version 1.2.4, the reader pydantic-settings uses), read from
// the raw bytes of a file, and the inverse: how to write a value so that python-dotenv reads it
// back exactly. EnvFile (env_file.h) builds the writer's rules on top of this.
//
// What python-dotenv does, and so what this does:
//   - The file is UTF-8 read with universal newlines: "\r\n", "\r" and "\n" all end a line,
//     and a line break inside a quoted value reads as "\n". A leading BOM is dropped.
//   - Whitespace is Python's: besides space and tab, \v \f, U+001C-U+001F, U+0085, U+00A0,
//     U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
//   - A statement is `[export ]KEY[ = value][ # comment]`; a key is any run of characters other
//     than '=', '#' and whitespace, or any text in single quotes. `KEY` alone has no value.
//   - Unquoted value: the rest of the line, cut at the first whitespace followed by '#', with
//     trailing whitespace removed. No escapes. `KEY= # c` (whitespace after '=') is empty.
//   - '...' and "..." may span lines; a backslash always takes the next character with it.
//     In single quotes \\ and \' are decoded; in double quotes \\ \' \" \a \b \f \n \r \t \v.
//     Any other backslash stays as written ("\u00e9" is six characters).
//   - After a quoted value only whitespace and a '#' comment may follow on its line.
//   - ${NAME} and ${NAME:-default} in any value (single-quoted too) are expanded when the
//     file is read; there is no escape for a literal ${NAME}.
// A statement python-dotenv cannot parse is skipped by it (with a warning) from where it
// failed to the end of that line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace omega::settingsd {

struct DotenvStatement {
  int line = 0;            // 1-based line of the statement's first character
  size_t line_begin = 0;   // where that line starts: removing the statement removes from here
  size_t end = 0;          // past the statement's line ending (or the end of the text)
  std::string error;       // non-empty: python-dotenv cannot parse the statement and skips it
  std::string key;         // as python-dotenv reads it (quotes removed)
  size_t key_end = 0;      // past the key as written
  bool has_value = false;  // false for `KEY` without '='
  std::string value;       // as python-dotenv reads it, before ${...} expansion
  size_t value_begin = 0;  // text[value_begin, value_end) is the value as written, quotes
  size_t value_end = 0;    // included; the rest of its line is whitespace and a comment
};

// Every statement with a key, and every statement python-dotenv cannot parse, in file order
// (comments and blank lines are not statements). `text` must be valid UTF-8; a BOM at its
// start is skipped.
std::vector<DotenvStatement> scan_dotenv(std::string_view text);

// True if python-dotenv would expand something in `value`: a ${NAME} or ${NAME:-default}.
bool has_dotenv_expansion(std::string_view value);

// The .env text of `value` for a statement whose line continues with `rest_of_line` (what
// follows the value: "", whitespace, or whitespace and a comment). Prefers a bare value, then
// single quotes, then double quotes. Requires dotenv_writable(value).
std::string encode_dotenv_value(std::string_view value, std::string_view rest_of_line);

// True if some .env text reads back as exactly `value` in python-dotenv; otherwise false and
// *why (which never holds the value): NUL, invalid UTF-8, or a ${...} python-dotenv expands.
bool dotenv_writable(std::string_view value, std::string* why);

}  // namespace omega::settingsd
