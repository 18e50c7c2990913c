// What changed between two snapshots, as the admin API shows it (GET /config/diff and dry
// runs): ordinary settings old -> new with credentials inside URLs masked, secrets only as
// {"key","changed":true} so not even a masked value or a hash leaves.
#pragma once

#include <functional>
#include <string>

#include "model/json_tree.h"

namespace omega::settingsd {

// [{"key","old"?,"new"?}…] or {"key","changed":true} for a key is_secret names, sorted by
// key; "old" is absent when the key was not in `before`, "new" when it is not in `after`.
// before / after are snapshot objects (before may be null: everything is new).
cJSON* config_changes(const cJSON* before, const cJSON* after,
                      const std::function<bool(const std::string&)>& is_secret);

}  // namespace omega::settingsd
