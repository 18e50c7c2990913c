// Seeding and reconciliation: making Redis hold what the .env says. At boot, and then every
// reconcile interval, the writer compares Redis with its state and republishes when Redis is
// empty (data loss: a new epoch) or holds something else (a new version), except a different
// snapshot at a version this writer never reached: that is another writer, reported and left
// alone, or two writers would take turns publishing.
#include <algorithm>
#include <chrono>

#include "digest.h"
#include "sealing.h"
#include "service/log.h"
#include "wire_format.h"
#include "writer/writer.h"

namespace omega::settingsd {

bool Writer::boot(std::string* refusal) {
  std::lock_guard<std::mutex> lock(mu_);
  RedisState rs;
  if (stores_.publisher->read_state(&rs) == PublishStatus::kOk) {
    *refusal = seal_refusal_locked(rs);
    if (!refusal->empty()) return false;
  }
  resync_locked("boot", true);
  return true;
}

std::string Writer::seal_refusal_locked(const RedisState& rs) const {
  // Without a version, Redis lost its data or is being re-seeded on purpose: nothing to keep.
  if (!rs.snapshot || !rs.version) return "";
  std::vector<std::string> sealed = seal::sealed_members(*rs.snapshot);
  if (sealed.empty()) return "";
  std::string names;
  for (const auto& n : sealed) names += (names.empty() ? "" : ", ") + n;
  const std::string held = "Redis holds version " + std::to_string(*rs.version) + " with secrets (" + names +
                           ") sealed with key id '" + rs.seal_key_id + "'";
  const std::string reseed =
      "delete " + stores_.publisher->names().version + " in Redis to re-seed from the .env (a new epoch)";
  if (!stores_.sealer)
    return held +
           ", but this writer has no --seal-key-file and would republish them in clear. Start it with the "
           "seal key file; or, to stop sealing on purpose, " +
           reseed;
  if (!stores_.sealer->keys().find(rs.seal_key_id))
    return held + ", which " + stores_.sealer->keys().source() + " does not list (it lists " +
           stores_.sealer->keys().ids() +
           "). When rotating, keep the old key in the file below the new first line until Redis holds a snapshot "
           "sealed with the new one; if this is the wrong key file, use the right one; or " +
           reseed;
  return "";
}

Publication Writer::publication_locked(const std::string& plain, uint64_t version, uint64_t prev_version,
                                       const std::string& epoch, const char* event, std::vector<std::string> changed) {
  Publication p{plain, version, prev_version, epoch, event, std::move(changed), ""};
  if (stores_.sealer) {
    p.snapshot = stores_.sealer->seal(plain);
    p.seal_key_id = stores_.sealer->key_id();
  }
  return p;
}

std::optional<std::string> Writer::redis_in_clear_locked(const RedisState& rs) const {
  if (!rs.snapshot) return std::nullopt;
  if (!stores_.sealer) return rs.snapshot;
  return stores_.sealer->open(*rs.snapshot, rs.seal_key_id);
}

void Writer::reconcile() {
  std::lock_guard<std::mutex> lock(mu_);
  resync_locked("reload", false);
}

PublishStatus Writer::commit_locked(const Publication& p, int64_t* subscribers) {
  auto t0 = std::chrono::steady_clock::now();
  PublishStatus status = stores_.publisher->commit(p, subscribers);
  stores_.metrics->observe_publish(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  stores_.metrics->set_redis_up(status != PublishStatus::kUnreachable);
  // Another writer slipped in between WATCH and EXEC: Redis now holds its snapshot at our
  // version or above; the reconciler must report that, not overwrite it.
  if (status == PublishStatus::kConflict) contested_version_ = p.version;
  return status;
}

bool Writer::publish_locked(const Publication& p) {
  PublishStatus s = stores_.publisher->begin(p.prev_version);
  if (s == PublishStatus::kOk)
    s = commit_locked(p);
  else
    stores_.metrics->set_redis_up(s != PublishStatus::kUnreachable);
  if (s != PublishStatus::kOk)
    log_warn("publish of version " + std::to_string(p.version) + " failed: " + stores_.publisher->last_error());
  return s == PublishStatus::kOk;
}

void Writer::resync_locked(const char* event, bool force) {
  RedisState rs;
  if (stores_.publisher->read_state(&rs) != PublishStatus::kOk) {
    if (stores_.metrics->redis_up() || force)
      log_warn("Redis unreachable: " + stores_.publisher->last_error() + " (will retry)");
    stores_.metrics->set_redis_up(false);
    return;
  }
  stores_.metrics->set_redis_up(true);
  std::string err;
  // Sealed bytes differ at every sealing (random nonces): compare what Redis says in clear. And
  // Redis holds exactly what this writer would publish only if it is also sealed as it would seal
  // it (the sealing key, every secret sealed); if not (sealing just turned on, a new key after a
  // rotation), the same version is republished, sealed.
  std::optional<std::string> in_clear = redis_in_clear_locked(rs);
  bool same_snapshot = in_clear && *in_clear == current_.snapshot;
  bool sealed_as_ours = same_snapshot && (!stores_.sealer || stores_.sealer->is_sealing_of(*rs.snapshot, rs.seal_key_id,
                                                                                           current_.snapshot));
  if (same_snapshot && rs.version && *rs.version >= version_ && !rs.epoch.empty()) {
    set_conflict_locked(0);
    bool in_sync = *rs.version == version_ && rs.epoch == epoch_ && sealed_as_ours;
    if (*rs.version > version_ && !mark_.store(*rs.version, "seed.version", &err)) {
      log_error("cannot store the version mark: " + err);
      return;
    }
    version_ = *rs.version;
    epoch_ = rs.epoch;
    seeded_ = true;
    if (in_sync && !force) return;
    if (force || !sealed_as_ours)
      publish_locked(publication_locked(current_.snapshot, version_, version_, epoch_, event, {}));
    record_history_locked(event, "omega-settingsd");
    install_view_locked();
    return;
  }
  if (!same_snapshot && rs.version &&
      (*rs.version > version_ || (contested_version_ && *rs.version >= contested_version_))) {
    set_conflict_locked(*rs.version);
    return;
  }
  set_conflict_locked(0);
  if (rs.version_malformed) log_warn("Redis holds a malformed version; replacing it (new epoch)");
  uint64_t base = std::max(version_, rs.version.value_or(0));
  if (base >= wire::kMaxVersion) {
    log_error("the version counter is at its maximum; not republishing");
    return;
  }
  // Redis is empty, or holds something else: publish the .env as a new version.
  uint64_t next = base + 1;
  std::string epoch;
  if (!rs.version)
    epoch = random_hex(8);  // no (valid) version: Redis lost its data (or first seed)
  else if (!rs.epoch.empty())
    epoch = rs.epoch;
  else
    epoch = epoch_.empty() ? random_hex(8) : epoch_;
  const std::optional<std::string>& before_text = in_clear ? in_clear : rs.snapshot;
  JsonPtr before(before_text ? parse_strict_json(*before_text, 64, nullptr) : nullptr);
  std::vector<std::string> changed =
      changed_keys(cJSON_IsObject(before.get()) ? before.get() : nullptr, current_.typed.get());
  // The mark goes first so versions never go backwards; a failed publish only leaves it ahead
  // (the next attempt computes the same number).
  if (!mark_.store(next, "seed.version", &err)) {
    log_error("cannot store the version mark: " + err);
    return;
  }
  uint64_t prev = rs.version.value_or(version_);
  if (!publish_locked(publication_locked(current_.snapshot, next, prev, epoch, event, changed)))
    return;  // in-memory version, epoch and view move only on success
  version_ = next;
  epoch_ = epoch;
  seeded_ = true;
  install_view_locked();
  log_info(std::string(event == std::string("boot") ? "seeded" : "reconciled") + " Redis with version " +
           std::to_string(next) + (rs.version ? "" : " (new epoch " + epoch + ")"));
  record_history_locked(event, "omega-settingsd");
}

void Writer::set_conflict_locked(uint64_t foreign_version) {
  if (foreign_version && foreign_version != reported_conflict_)
    log_error("Redis holds version " + std::to_string(foreign_version) + " with a snapshot this writer (version " +
              std::to_string(version_) +
              ") did not publish: another writer is running. Not overwriting it; patches are refused "
              "(write_conflict) until only one writer remains (see docs/daemon.md)");
  else if (!foreign_version && reported_conflict_)
    log_info("the write conflict is resolved");
  if (!foreign_version) contested_version_ = 0;
  reported_conflict_ = foreign_version;
  stores_.metrics->set_write_conflict(foreign_version != 0);
}

}  // namespace omega::settingsd
