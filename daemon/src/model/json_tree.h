// cJSON trees for the daemon, built only from text that the one strict reader
// (common/json_reader.h) has accepted: duplicate keys, trailing data, 1e400, NUL and invalid
// UTF-8 never reach cJSON, which on its own would let them through.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <cjson/cJSON.h>

namespace omega::settingsd {

struct CJsonDeleter {
  void operator()(cJSON* p) const { cJSON_Delete(p); }
};
using JsonPtr = std::unique_ptr<cJSON, CJsonDeleter>;

inline constexpr int kDefaultJsonMaxDepth = 32;

// Exactly one strict JSON value (surrounding whitespace allowed) as a new cJSON tree, or
// nullptr with *error (the reason and byte offset, never string contents). error may be null.
cJSON* parse_strict_json(std::string_view text, int max_depth, std::string* error);

// Compact JSON text of item ("" if cJSON cannot print it).
std::string json_print(const cJSON* item);

}  // namespace omega::settingsd
