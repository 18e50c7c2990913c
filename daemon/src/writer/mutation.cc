// The one mutation pipeline. patch, reload and rollback all run it, with the same steps,
// failpoints ("<action>.<step>"), metrics and failure behaviour:
//
//   preconditions -> candidate (.env built and validated; no side effects) -> the external
//   validator, if any (--validate-with: still no side effects; a dry run stops here and says
//   what would change) -> WATCH Redis -> audit record + version mark + history line (+ the
//   revert schedule of a temporary change) + .env temp file (their syncs overlap; any failure
//   leaves the .env whole and old, and cuts the history line back) -> rename .env (the commit
//   point) -> MULTI/EXEC publish -> adopt (the history entry becomes visible).
//
// A crash at any step leaves either the whole old or the whole new .env, and the restart
// converges (the reconciler republishes what the .env says).
#include <chrono>
#include <thread>

#include "atomic_file.h"
#include "digest.h"
#include "failpoint.h"
#include "model/config_diff.h"
#include "service/log.h"
#include "service/utc_time.h"
#include "wire_format.h"
#include "writer/writer.h"

namespace omega::settingsd {
namespace {

using Seconds = std::chrono::duration<double>;
using SteadyClock = std::chrono::steady_clock;

}  // namespace

std::optional<MutationOutcome> Writer::check_preconditions_locked(const Preconditions& pre) const {
  if (pre.if_match && *pre.if_match != version_)
    return MutationOutcome::refuse(Refusal::kStaleIfMatch, "If-Match \"" + std::to_string(*pre.if_match) +
                                                               "\" does not match the current version \"" +
                                                               std::to_string(version_) + "\"");
  if (pre.expected_version && *pre.expected_version != version_)
    return MutationOutcome::refuse(Refusal::kStaleExpected,
                                   "expected_version " + std::to_string(*pre.expected_version) +
                                       " is stale: the current version is " + std::to_string(version_));
  return std::nullopt;
}

bool Writer::build_candidate_locked(const Mutation& m, ValidatedEnv* next, MutationOutcome* refusal) const {
  std::vector<Problem> problems;
  if (m.from_disk) {
    // An operator may have edited the .env by hand: take it as it is, if it is valid.
    if (load_validated_env(schema_, env_path_, next, &problems)) return true;
    *refusal = MutationOutcome::refuse(Refusal::kInvalidEnvFile, "the .env on disk is invalid; nothing was republished",
                                       std::move(problems));
    return false;
  }
  // Updates are rendered into the .env this daemon last loaded or wrote; a hand edit since
  // then would be silently dropped, so refuse until it is reloaded (and so validated).
  std::string on_disk, err;
  if (!fs::read_file(env_path_, &on_disk, &err)) {
    log_error(std::string(m.action) + " refused: " + err);
    *refusal = MutationOutcome::refuse(Refusal::kStorageError, "the .env cannot be read; nothing was changed");
    return false;
  }
  if (on_disk != current_.text) {
    *refusal =
        MutationOutcome::refuse(Refusal::kEnvChangedOnDisk,
                                "the .env was edited on disk since the daemon loaded it; POST /config/reload first "
                                "(nothing was changed)");
    return false;
  }
  std::map<std::string, std::string> values = current_.env.values();
  for (const auto& [k, v] : m.updates) {
    if (v)
      values[k] = *v;
    else
      values.erase(k);
  }
  std::vector<FieldError> field_errors;
  JsonPtr typed(schema_.validate_env(values, &field_errors));
  if (!typed) {
    for (const auto& e : field_errors) problems.push_back({e.key, e.message});
    *refusal = MutationOutcome::refuse(Refusal::kInvalid, "the resulting settings are invalid; nothing was changed",
                                       std::move(problems));
    return false;
  }
  // The rendered file must read back as exactly these values, or it is not written.
  if (!validate_env_text(schema_, current_.env.render(m.updates), env_path_, next, &problems) ||
      next->env.values() != values) {
    log_error("internal: the rendered .env does not read back as the new values; refusing the " +
              std::string(m.action));
    *refusal =
        MutationOutcome::refuse(Refusal::kInternal, "the .env could not be rendered faithfully; nothing was changed");
    return false;
  }
  return true;
}

// Audit record + version mark, and the .env temp file, are independent and all come before
// the commit point (the rename), so their syncs overlap: one helper thread does the two small
// in-place syncs while this one writes the temp file. If any fails, nothing is renamed. (A
// mark left ahead of the published version only makes a later version skip a number.)
void Writer::record_audit_and_prepare_locked(const Mutation& m, const AuditRecord& rec, const ValidatedEnv& next,
                                             bool bump, Durables* d, std::string* tmp, MutationOutcome* out) {
  const std::string action = m.action;
  const uint64_t next_version = rec.version_after;
  std::string audit_err, mark_err, env_err, history_err;
  bool audit_ok = false, mark_ok = !bump, env_ok = true, history_ok = true;
  std::thread syncs([&] {
    audit_ok = stores_.audit->append(rec, &audit_err);
    if (!audit_ok) return;
    failpoint(action + ".audit_synced");
    if (bump) mark_ok = mark_.store(next_version, action + ".version", &mark_err);
  });
  // The history line (and a temporary change's schedule) sync on a thread of their own, so a
  // patch is no slower for them.
  std::thread history;
  if (d->record)
    history = std::thread([&] {
      history_ok = stores_.history->append(d->entry, &d->pending, &history_err);
      if (history_ok) failpoint(action + ".history_synced");
      if (history_ok && d->schedule) history_ok = stores_.reverts->write(*d->schedule, &history_err);
    });
  if (!m.from_disk) env_ok = fs::prepare_temp(env_path_, next.text, {0600, true, action + ".env"}, tmp, &env_err);
  syncs.join();
  if (history.joinable()) history.join();
  if (audit_ok && mark_ok && env_ok && history_ok) return;
  fs::discard_temp(*tmp);
  tmp->clear();
  stores_.publisher->abort();
  undo_durables_locked(*d);
  if (!history_ok && audit_ok && mark_ok && env_ok) {
    log_error(action + " refused: " + history_err);
    abort_audited_locked(rec, history_err);
    *out = MutationOutcome::refuse(Refusal::kStorageError, "the history could not be written; nothing was changed");
  } else if (!audit_ok) {
    log_error(action + " refused: " + audit_err);
    *out = MutationOutcome::refuse(Refusal::kAuditUnavailable, "the audit log cannot be written; nothing was changed");
  } else {
    std::string why = mark_ok ? env_err : "version mark: " + mark_err;
    log_error(action + " refused: " + why);
    abort_audited_locked(rec, why);
    *out = MutationOutcome::refuse(Refusal::kStorageError,
                                   "the .env or the version mark could not be written; the .env is unchanged");
  }
}

// The history line and the schedule were written for a change that did not happen.
void Writer::undo_durables_locked(const Durables& d) {
  if (d.record) stores_.history->cut_back(d.pending);
  std::string err;
  if (d.schedule && !stores_.reverts->write(stores_.reverts->list(), &err))
    log_error("the revert schedule still names version " + std::to_string(d.entry.version) +
              ", which was not committed (its revert will find nothing to do): " + err);
}

MutationOutcome Writer::dry_run_locked(const ValidatedEnv& next) const {
  MutationOutcome out;
  out.dry_run = true;
  out.version = version_;
  JsonPtr changes(config_changes(current_.typed.get(), next.typed.get(),
                                 [this](const std::string& k) { return is_secret_now(k); }));
  out.changes_json = json_print(changes.get());
  return out;
}

// The audit already says "committed": say that it did not happen after all.
void Writer::abort_audited_locked(const AuditRecord& rec, const std::string& why) {
  std::string err;
  if (!stores_.audit->append_aborted(rec, why, &err))
    log_error("the audit log holds request " + rec.request_id + " as committed, but it was aborted (" + why +
              "), and the aborted record cannot be written: " + err);
}

MutationOutcome Writer::run_locked(const Mutation& m) {
  const std::string action = m.action;
  auto started = SteadyClock::now();
  auto phase_done = [&](const char* phase) {
    auto now = SteadyClock::now();
    stores_.metrics->observe_phase(phase, Seconds(now - started).count());
    started = now;
  };
  if (auto stale = check_preconditions_locked(m.pre)) return *stale;
  MutationOutcome out;
  ValidatedEnv next;
  if (!build_candidate_locked(m, &next, &out)) return out;
  bool bump = next.snapshot != current_.snapshot;
  phase_done("validate");

  // The team's own validator has the last word, before anything is written or watched; a dry
  // run asks it too, so "would apply" means the real patch would.
  if (validator_ && bump) {
    ValidatorVerdict verdict = validator_->check(schema_, next.typed.get(), next.snapshot);
    phase_done("validator");
    if (verdict.kind == ValidatorVerdict::Kind::kRefused)
      return MutationOutcome::refuse(Refusal::kValidatorRefused, verdict.message, std::move(verdict.problems));
    if (verdict.kind == ValidatorVerdict::Kind::kUnavailable)
      return MutationOutcome::refuse(Refusal::kValidatorUnavailable, verdict.message);
  }
  if (m.dry_run) return dry_run_locked(next);  // no Redis, no audit, no history: nothing changes
  out.version = version_;
  if (!bump && !m.from_disk) {
    out.noop = true;  // nothing to publish: the version stays
    return out;
  }
  if (bump && version_ >= wire::kMaxVersion)
    return MutationOutcome::refuse(Refusal::kVersionExhausted,
                                   "the version counter is at its maximum; nothing was changed");
  uint64_t next_version = bump ? version_ + 1 : version_;
  out.changed = bump ? changed_keys(current_.typed.get(), next.typed.get()) : std::vector<std::string>{};

  // The reconciler saw another writer's snapshot in Redis: do not overwrite it either.
  PublishStatus begun = reported_conflict_ ? PublishStatus::kConflict : stores_.publisher->begin(version_);
  if (begun != PublishStatus::kOk) {
    stores_.metrics->set_redis_up(begun != PublishStatus::kUnreachable);
    log_warn(action + " refused: Redis: " + stores_.publisher->last_error());
    if (begun == PublishStatus::kConflict)
      return MutationOutcome::refuse(
          Refusal::kWriteConflict,
          "Redis holds a newer version published by another writer; nothing was changed. "
          "Only one writer may run: stop the other one (see docs/daemon.md, \"Second writer\")");
    return MutationOutcome::refuse(Refusal::kRedisUnavailable, "Redis is not available; nothing was changed");
  }
  phase_done("watch");

  AuditRecord rec{m.action, m.actor.name, m.actor.request_id, m.actor.source, version_, next_version, {}, m.comment};
  for (const auto& k : out.changed)
    rec.diff.push_back({k, schema_.is_secret(k), cJSON_GetObjectItemCaseSensitive(current_.typed.get(), k.c_str()),
                        cJSON_GetObjectItemCaseSensitive(next.typed.get(), k.c_str())});
  Durables durables;
  if (bump) {
    durables.record = true;
    durables.entry = history_entry_locked(next, next_version, m.history_event ? m.history_event : m.event, m.actor.name,
                                          out.changed, m.comment);
    if (m.revert_after_s) {
      int64_t at = unix_now_ms() + *m.revert_after_s * 1000;
      durables.schedule = schedule_with_locked(next, next_version, out.changed, m.actor.name, at);
      out.revert_at = rfc3339_of_unix_ms(at);
    }
  }
  std::string tmp;
  record_audit_and_prepare_locked(m, rec, next, bump, &durables, &tmp, &out);
  if (out.refused()) return out;
  phase_done("sync");
  failpoint(action + ".prepared");
  if (!tmp.empty()) {
    std::string err;
    bool renamed = false;
    if (!fs::commit_temp(tmp, env_path_, action + ".env", &err, &renamed)) {
      if (!renamed) {
        stores_.publisher->abort();
        log_error(action + " refused: .env: " + err);
        undo_durables_locked(durables);
        abort_audited_locked(rec, ".env: " + err);
        return MutationOutcome::refuse(Refusal::kStorageError, "the .env could not be replaced; it is unchanged");
      }
      // Renamed, but the directory fsync failed twice: the new .env is in place, so carry on
      // and publish it rather than serve a state that differs from the file, but say so.
      out.durable = false;
      log_error(action + ": the new .env is in place but " + err);
    }
  }
  phase_done("rename");
  failpoint(action + ".env_written");

  if (epoch_.empty()) epoch_ = random_hex(8);  // never seeded (Redis was down at boot)
  Publication p = publication_locked(next.snapshot, next_version, version_, epoch_, m.event, out.changed);
  failpoint(action + ".before_exec");
  int64_t subscribers = -1;
  PublishStatus status = commit_locked(p, &subscribers);
  out.published = status == PublishStatus::kOk;
  out.contested = status == PublishStatus::kConflict;
  if (out.published) seeded_ = true;
  if (out.published && subscribers >= 0) out.subscribers = subscribers;
  failpoint(action + ".published");
  if (out.published && min_replicas_ > 0) {
    // Acknowledged only once the replicas hold it, so a failover right after the answer loses
    // nothing; otherwise the .env keeps it and the reconciler republishes it to whichever
    // primary comes next.
    out.replicas = stores_.publisher->wait_for_replicas(min_replicas_, min_replicas_timeout_);
    out.replicated = out.replicas >= min_replicas_;
  } else if (min_replicas_ > 0) {
    out.replicas = 0;  // not even the primary took it: not acknowledged either
    out.replicated = false;
  }
  phase_done("publish");
  if (!out.published)
    log_warn(action + " saved as version " + std::to_string(next_version) + " but not published (" +
             (out.contested ? "another writer published meanwhile: not overwritten, see /readyz"
                            : "the reconciler retries") +
             "): " + stores_.publisher->last_error());

  // The .env on disk is now the state (audited), whether or not Redis took it.
  if (bump) stores_.history->committed(std::move(durables.entry));
  if (durables.schedule) stores_.reverts->install(std::move(*durables.schedule));
  adopt_locked(std::move(next), next_version);
  out.version = next_version;
  std::string names;
  for (const auto& k : out.changed) names += (names.empty() ? "" : ",") + k;
  log_info(action + " by " + m.actor.name + " (" + m.actor.request_id + "): version " + std::to_string(next_version) +
           (names.empty() ? "" : ", changed " + names));
  return out;
}

}  // namespace omega::settingsd
