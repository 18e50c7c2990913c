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

// Compact JSON text of item, members in their order. Numbers are exact: the shortest text that
// reads back as the same double (cJSON's own printer rounds to 15 digits when that looks "close
// enough", so 2^53-1 would come out as 9.00719925474099e+15). Strings are escaped as cJSON does.
std::string json_print(const cJSON* item);

// Shortest decimal text that reads back as exactly d (d finite), independent of the locale:
// integers up to 2^53-1 as digits ("45"), others "%.17g"-style at the least precision that
// round-trips ("0.1", "1e-07").
std::string json_number_text(double d);

}  // namespace omega::settingsd
