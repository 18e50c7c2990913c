// What may leave the writer (writer guarantee 6). Secrets (writeOnly / format password in the
// schema) are replaced by a fixed mask, and credentials inside a URL-shaped value
// (scheme://user:pass@host…) are masked even when the setting is not marked secret, in
// everything but the Redis snapshot: GET /config, history, audit records, logs.
#pragma once

#include <string>
#include <string_view>

#include "model/json_tree.h"
#include "model/schema.h"

namespace omega::settingsd {

inline constexpr const char* kSecretMask = "**********";

// "redis://:pw@h/0" -> "redis://:**********@h/0"; "mongodb://u:pw@h" -> "mongodb://u:**********@h";
// "redis://pw@h" -> "redis://**********@h" (redis-py reads a lone userinfo as the password).
// Text without URL credentials comes back unchanged.
std::string mask_url_credentials(std::string_view text);

// A deep copy of v with mask_url_credentials applied to every string in it.
cJSON* masked_urls(const cJSON* v);

// The snapshot object with every non-null secret masked and URL credentials masked, as
// compact JSON.
std::string masked_json(const Schema& schema, const cJSON* typed);

}  // namespace omega::settingsd
