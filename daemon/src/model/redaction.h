// What may leave the writer: secrets (writeOnly / format password in the schema) are replaced
// by a fixed mask in everything but the Redis snapshot.
#pragma once

#include <string>

#include "model/json_tree.h"
#include "model/schema.h"

namespace omega::settingsd {

inline constexpr const char* kSecretMask = "**********";

// A copy of the snapshot object with every non-null secret masked, as compact JSON.
std::string masked_json(const Schema& schema, const cJSON* typed);

}  // namespace omega::settingsd
