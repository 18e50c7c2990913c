// Small cJSON helpers: ownership, printing, reading typed members case-sensitively.
#pragma once

#include <memory>
#include <string>

#include <cjson/cJSON.h>

namespace omega::settingsd {

struct CJsonDeleter {
  void operator()(cJSON *p) const { cJSON_Delete(p); }
};
using JsonPtr = std::unique_ptr<cJSON, CJsonDeleter>;

// Compact JSON text of `item` ("" if cJSON cannot print it).
std::string json_print(const cJSON *item);

// JSON string literal for `s` (quoted and escaped).
std::string json_quote(const std::string &s);

// RFC 3339 UTC time with milliseconds, e.g. 2026-11-30T03:00:00.123Z.
std::string utc_now_rfc3339();

// Lower-case hex of bytes.
std::string to_hex(const unsigned char *bytes, size_t n);

// SHA-256 of `data` as lower-case hex.
std::string sha256_hex(const std::string &data);

// `n` random bytes as hex (libsodium randombytes).
std::string random_hex(size_t n);

}  // namespace omega::settingsd
