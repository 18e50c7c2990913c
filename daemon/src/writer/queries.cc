// What the durable history answers: the diff between two versions and, per key, the change
// that last touched it (blame). Read-only: these never take the writer's lock.
#include <algorithm>

#include "model/config_diff.h"
#include "writer/writer.h"

namespace omega::settingsd {

DiffOutcome Writer::diff(uint64_t from, std::optional<uint64_t> to) const {
  DiffOutcome out;
  out.from = from;
  out.to = to.value_or(config()->version);
  std::optional<HistoryEntry> a = stores_.history->find(out.from);
  std::optional<HistoryEntry> b = stores_.history->find(out.to);
  if (!a || !b) {
    out.missing = a ? "to" : "from";
    out.message = "version " + std::to_string(a ? out.to : out.from) + " is not in the history, which holds versions " +
                  stores_.history->describe_versions();
    return out;
  }
  out.found = true;
  // A key is shown as "changed" only when it is a secret now, was one in either version, or is
  // no longer in the schema (nothing says it may be shown).
  auto secret = [&](const std::string& k) {
    auto named = [&](const HistoryEntry& e) {
      return std::find(e.secrets.begin(), e.secrets.end(), k) != e.secrets.end();
    };
    return is_secret_now(k) || named(*a) || named(*b);
  };
  JsonPtr before(parse_strict_json(a->snapshot_json, kDefaultJsonMaxDepth, nullptr));
  JsonPtr after(parse_strict_json(b->snapshot_json, kDefaultJsonMaxDepth, nullptr));
  JsonPtr changes(config_changes(before.get(), after.get(), secret));
  out.changes_json = json_print(changes.get());
  return out;
}

std::map<std::string, Writer::BlameLine> Writer::blame() const {
  std::map<std::string, BlameLine> out;
  for (const HistoryEntry& e : stores_.history->entries())  // oldest first: the newest wins
    for (const std::string& k : e.changed)
      if (schema_.has_key(k)) out[k] = BlameLine{e.version, e.event, e.actor, e.written_at, e.comment};
  return out;
}

}  // namespace omega::settingsd
