// UTF-8 rules shared by every parser of omega-config: the JSON reader and the .env reader.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace omega {

// Length of the well-formed UTF-8 sequence starting at s[i] (1 for ASCII), or 0 when it is
// malformed: a stray continuation byte, an overlong form, a surrogate, above U+10FFFF, or cut short.
size_t utf8_sequence_length(std::string_view s, size_t i);

// True if all of s is well-formed UTF-8.
bool is_valid_utf8(std::string_view s);

// Appends code point cp (<= U+10FFFF, not a surrogate) as UTF-8.
void append_utf8(std::string& out, uint32_t cp);

}  // namespace omega
