// The writer's state, its read views, and the three requests turned into mutations.
#include "writer/writer.h"

#include <cctype>

#include "model/redaction.h"
#include "service/utc_time.h"

namespace omega::settingsd {
namespace {

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Writer::Writer(std::string env_path, const std::string& mark_base, Schema schema, Stores stores,
               std::set<std::string> forbidden, const ExternalValidator* validator)
    : env_path_(std::move(env_path)),
      schema_(std::move(schema)),
      stores_(stores),
      forbidden_(std::move(forbidden)),
      validator_(validator),
      mark_(mark_base) {}

bool Writer::load(std::vector<std::string>* problems) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Problem> found;
  if (!load_validated_env(schema_, env_path_, &current_, &found)) {
    for (auto& p : describe(found)) problems->push_back(std::move(p));
    return false;
  }
  std::string err;
  if (!mark_.load(&version_, &err)) {
    problems->push_back(err);
    return false;
  }
  install_view_locked();
  return true;
}

uint64_t Writer::version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return version_;
}

std::shared_ptr<const Writer::ConfigView> Writer::config() const {
  std::lock_guard<std::mutex> lock(view_mu_);
  return view_;
}

void Writer::install_view_locked() {
  auto v = std::make_shared<ConfigView>();
  v->version = version_;
  v->masked_json = masked_json(schema_, current_.typed.get());
  std::lock_guard<std::mutex> lock(view_mu_);
  view_ = std::move(v);
  stores_.metrics->set_version(version_);
}

void Writer::adopt_locked(ValidatedEnv next, uint64_t version) {
  current_ = std::move(next);
  version_ = version;
  install_view_locked();
}

void Writer::record_history_locked(const char* event, const std::string& actor,
                                   const std::vector<std::string>& changed) {
  HistoryEntry e;
  e.version = version_;
  e.event = event;
  e.actor = actor;
  e.written_at = utc_now_rfc3339();
  e.changed = changed;
  e.masked_config_json = masked_json(schema_, current_.typed.get());
  e.values = current_.env.values();
  stores_.history->add(std::move(e));
}

MutationOutcome Writer::patch(const PatchRequest& request) {
  // Admin credentials and the writer's own configuration can never be set by a patch.
  std::vector<Problem> forbidden;
  for (const auto& [key, value] : request.updates)
    if (forbidden_.count(upper(key)))
      forbidden.push_back({key, "admin credentials and writer settings cannot be patched"});
  if (!forbidden.empty())
    return MutationOutcome::refuse(Refusal::kForbidden, "the patch names keys that cannot be changed through the API",
                                   std::move(forbidden));

  // Each value as .env text, every problem collected.
  Mutation m{"patch", "updated", request.actor, request.pre, {}, false};
  std::vector<Problem> problems;
  for (const auto& [name, value] : request.updates) {
    std::string key = name;
    if (!schema_.has_key(key) && schema_.has_key(upper(key))) key = upper(key);
    if (!schema_.has_key(key)) {
      problems.push_back({key, "unknown key: it is not in the schema"});
    } else if (m.updates.count(key)) {
      problems.push_back({key, "the key is given twice (keys are case-insensitive)"});
    } else if (cJSON_IsNull(value)) {
      m.updates[key] = std::nullopt;
    } else {
      std::string text, why;
      if (!schema_.value_to_env_text(key, value, &text, &why))
        problems.push_back({key, why});
      else if (!EnvFile::writable(text, &why))  // python-dotenv would read back another value
        problems.push_back({key, "the value " + why});
      else
        m.updates[key] = text;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  // A stale client hears that first: its patch was written against another version.
  if (auto stale = check_preconditions_locked(request.pre)) return *stale;
  if (!problems.empty())
    return MutationOutcome::refuse(Refusal::kInvalid, "the patch is invalid; nothing was changed", std::move(problems));
  return run_locked(m);
}

MutationOutcome Writer::reload(const ReloadRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  return run_locked(Mutation{"reload", "reload", request.actor, {}, {}, true});
}

MutationOutcome Writer::rollback(const RollbackRequest& request) {
  std::optional<HistoryEntry> old = stores_.history->find(request.target);
  if (!old)
    return MutationOutcome::refuse(Refusal::kVersionNotFound, "version " + std::to_string(request.target) +
                                                                  " is not in the history (see GET /config/history)");
  std::lock_guard<std::mutex> lock(mu_);
  Mutation m{"rollback", "rollback", request.actor, request.pre, {}, false};
  std::map<std::string, std::string> now = current_.env.values();
  for (const auto& [k, v] : old->values)
    if (!now.count(k) || now[k] != v) m.updates[k] = v;
  for (const auto& [k, v] : now)
    if (!old->values.count(k)) m.updates[k] = std::nullopt;
  return run_locked(m);
}

}  // namespace omega::settingsd
