// Temporary changes ("revert_after_s" on a patch): the patch schedules a revert of exactly the
// keys it changed, made durable with it before its commit point (mutation.cc); when the time
// comes the revert runs through the same pipeline (run_locked: failpoints "revert.*", audit,
// history, metrics) as actor omega-settingsd, comment "revert of vN", and puts back only the
// keys that still hold the patched values: a later change wins.
#include "digest.h"
#include "service/log.h"
#include "service/utc_time.h"
#include "writer/writer.h"

namespace omega::settingsd {
namespace {

std::optional<std::string> value_of(const std::map<std::string, std::string>& values, const std::string& key) {
  auto it = values.find(key);
  return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
}

// A refusal that may clear by itself (Redis back, disk freed, a hand edit reloaded): retry.
bool transient(Refusal r) {
  switch (r) {
    case Refusal::kRedisUnavailable:
    case Refusal::kAuditUnavailable:
    case Refusal::kStorageError:
    case Refusal::kEnvChangedOnDisk:
    case Refusal::kWriteConflict: return true;
    default: return false;
  }
}

const char* revert_outcome(const MutationOutcome& o) {
  if (!o.refused()) return o.noop ? "noop" : "applied";
  switch (o.refusal) {
    case Refusal::kRedisUnavailable:
    case Refusal::kAuditUnavailable: return "unavailable";
    case Refusal::kEnvChangedOnDisk:
    case Refusal::kWriteConflict: return "conflict";
    case Refusal::kInvalid:
    case Refusal::kInvalidEnvFile: return "invalid";
    default: return "error";
  }
}

}  // namespace

std::vector<PendingRevert> Writer::schedule_with_locked(const ValidatedEnv& next, uint64_t version,
                                                        const std::vector<std::string>& changed,
                                                        const std::string& actor, int64_t revert_at_ms) const {
  std::vector<PendingRevert> all = stores_.reverts->list();
  const std::map<std::string, std::string> now = current_.env.values(), after = next.env.values();
  PendingRevert r{version, actor, revert_at_ms, {}};
  for (const std::string& k : changed) {
    RevertKey key{value_of(after, k), value_of(now, k)};
    // An earlier temporary change of this key, still in force and due no later than this one:
    // put back what it would have put back, or its value would outlive both.
    uint64_t chained = 0;
    for (const PendingRevert& e : all) {
      auto it = e.keys.find(k);
      if (it != e.keys.end() && it->second.patched == key.restore && e.revert_at_ms <= revert_at_ms &&
          e.version > chained) {
        chained = e.version;
        key.restore = it->second.restore;
      }
    }
    r.keys[k] = key;
  }
  all.push_back(std::move(r));
  return all;
}

std::vector<Writer::PendingView> Writer::pending_view_locked() const {
  std::vector<PendingView> out;
  const std::map<std::string, std::string> now = current_.env.values();
  for (const PendingRevert& r : stores_.reverts->list()) {
    PendingView v{r.version, {}, r.revert_at_ms};
    for (const auto& [k, key] : r.keys)
      if (value_of(now, k) == key.patched) v.keys.push_back(k);
    if (!v.keys.empty()) out.push_back(std::move(v));
  }
  return out;
}

void Writer::run_due_reverts() {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = unix_now_ms();
  bool changed = false;
  for (const PendingRevert& r : stores_.reverts->list()) {
    if (r.revert_at_ms > now) break;  // sorted by time
    if (!fire_revert_locked(r)) continue;
    std::vector<PendingRevert> rest;
    for (PendingRevert& e : stores_.reverts->list())
      if (!(e.version == r.version && e.revert_at_ms == r.revert_at_ms)) rest.push_back(std::move(e));
    std::string err;
    if (!stores_.reverts->replace(std::move(rest), &err))
      log_error("the revert of version " + std::to_string(r.version) + " is done but the schedule cannot be written (" +
                err + "); it will find nothing left to do next time");
    revert_errors_.erase(r.version);
    changed = true;
  }
  if (changed) install_view_locked();
}

// True when the entry is done with (reverted, nothing left to revert, or refused for good).
bool Writer::fire_revert_locked(const PendingRevert& r) {
  const std::map<std::string, std::string> now = current_.env.values();
  const std::string label = "revert of v" + std::to_string(r.version);
  Actor actor{"omega-settingsd", random_hex(8), "scheduler"};
  Mutation m{"revert", "updated", actor, {}, {}, false};
  m.comment = label;
  m.history_event = "revert";
  std::vector<std::string> skipped;
  for (const auto& [k, key] : r.keys) {
    if (value_of(now, k) == key.patched)
      m.updates[k] = key.restore;
    else
      skipped.push_back(k);
  }
  std::string skipped_text;
  for (const auto& k : skipped) skipped_text += (skipped_text.empty() ? "" : ",") + k;
  if (m.updates.empty()) {
    log_info(label + ": nothing to revert, later changes hold every key (" + skipped_text + ")");
    return true;
  }
  MutationOutcome o = run_locked(m);
  stores_.metrics->count_mutation("revert", revert_outcome(o));
  if (!o.refused()) {
    log_info(label + " (scheduled by " + r.actor + "): version " + std::to_string(o.version) +
             (skipped.empty() ? "" : "; kept later changes of " + skipped_text));
    return true;
  }
  if (transient(o.refusal)) {
    std::string& last = revert_errors_[r.version];
    if (last != o.message) log_warn(label + " did not run (will retry): " + o.message);
    last = o.message;
    return false;
  }
  log_error(label + " refused; dropping it: " + o.message);
  return true;
}

void Writer::drop_reverts_above_locked(uint64_t version) {
  std::vector<PendingRevert> keep;
  size_t dropped = 0;
  for (PendingRevert& r : stores_.reverts->list()) {
    if (r.version > version)
      ++dropped;
    else
      keep.push_back(std::move(r));
  }
  if (!dropped) return;
  std::string err;
  if (!stores_.reverts->replace(std::move(keep), &err)) log_error("cannot rewrite the revert schedule: " + err);
  log_warn("dropped " + std::to_string(dropped) + " scheduled revert(s) of a change that never committed");
}

}  // namespace omega::settingsd
