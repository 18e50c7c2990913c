// The writer: validated state, the mutation pipeline and Redis seeding (see writer.h).
#include "writer.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

#include "durable_file.h"
#include "failpoints.h"
#include "log.h"
#include "strict_json.h"

namespace omega::settingsd {
namespace {

constexpr const char *kMask = "**********";

std::string upper(std::string s) {
  for (auto &c : s) c = char(std::toupper((unsigned char)c));
  return s;
}

cJSON *detail(const std::string &key, const std::string &message) {
  cJSON *d = cJSON_CreateObject();
  cJSON_AddStringToObject(d, "key", key.c_str());
  cJSON_AddStringToObject(d, "message", message.c_str());
  return d;
}

std::string version_body(uint64_t version, const std::vector<std::string> &changed, bool published) {
  JsonPtr root(cJSON_CreateObject());
  cJSON_AddStringToObject(root.get(), "version", std::to_string(version).c_str());
  cJSON *arr = cJSON_AddArrayToObject(root.get(), "changed");
  for (const auto &k : changed) cJSON_AddItemToArray(arr, cJSON_CreateString(k.c_str()));
  if (!published) cJSON_AddBoolToObject(root.get(), "published", false);
  return json_print(root.get());
}

// Parses a version given as a JSON integer or a decimal string. False when malformed.
bool json_version(const cJSON *v, uint64_t *out) {
  if (cJSON_IsNumber(v)) {
    double d = v->valuedouble;
    if (d < 0 || d > 9007199254740991.0 || d != double(uint64_t(d))) return false;
    *out = uint64_t(d);
    return true;
  }
  if (cJSON_IsString(v)) {
    std::string s = v->valuestring;
    if (s.empty() || s.size() > 16) return false;
    uint64_t n = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + uint64_t(c - '0');
    }
    if (n > kMaxVersion) return false;
    *out = n;
    return true;
  }
  return false;
}

// If-Match: "N", W/"N", N or *; returns false when malformed.
bool parse_if_match(std::string v, bool *any, uint64_t *out) {
  while (!v.empty() && v.back() == ' ') v.pop_back();
  while (!v.empty() && v.front() == ' ') v.erase(0, 1);
  *any = v == "*";
  if (*any) return true;
  if (v.rfind("W/", 0) == 0) v = v.substr(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (v.empty() || v.size() > 16) return false;
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + uint64_t(c - '0');
  }
  *out = n;
  return true;
}

}  // namespace

std::vector<std::string> changed_keys(const cJSON *before, const cJSON *after) {
  std::set<std::string> out;
  const cJSON *item;
  cJSON_ArrayForEach(item, after) {
    const cJSON *old = before ? cJSON_GetObjectItemCaseSensitive(before, item->string) : nullptr;
    if (!old || !cJSON_Compare(old, item, true)) out.insert(item->string);
  }
  if (before) cJSON_ArrayForEach(item, before) {
      if (!cJSON_GetObjectItemCaseSensitive(after, item->string)) out.insert(item->string);
    }
  return {out.begin(), out.end()};
}

bool load_env(const Schema &schema, const std::string &env_path, std::string *text, EnvFile *env, JsonPtr *typed,
              std::vector<EnvProblem> *problems) {
  std::string err;
  if (!read_whole_file(env_path, text, &err)) {
    problems->push_back({"", err});
    return false;
  }
  std::vector<EnvError> env_errors;
  if (!EnvFile::parse(*text, env, &env_errors)) {
    for (const auto &e : env_errors)
      problems->push_back({"", env_path + (e.line ? ":" + std::to_string(e.line) : std::string()) + ": " + e.message});
    return false;
  }
  std::vector<FieldError> field_errors;
  typed->reset(schema.validate_env(env->values(), &field_errors));
  if (!*typed) {
    for (const auto &e : field_errors) problems->push_back({e.key, e.message});
    if (field_errors.empty()) problems->push_back({"", "the .env does not validate against the schema"});
    return false;
  }
  return true;
}

bool load_env(const Schema &schema, const std::string &env_path, std::string *text, EnvFile *env, JsonPtr *typed,
              std::vector<std::string> *problems) {
  std::vector<EnvProblem> found;
  bool ok = load_env(schema, env_path, text, env, typed, &found);
  for (const auto &p : found) problems->push_back(p.key.empty() ? p.message : p.key + ": " + p.message);
  return ok;
}

Writer::Writer(std::string env_path, const std::string &mark_base, Schema schema, Publisher *publisher,
               AuditLog *audit, History *history, Metrics *metrics, std::set<std::string> forbidden_keys)
    : env_path_(std::move(env_path)),
      schema_(std::move(schema)),
      publisher_(publisher),
      audit_(audit),
      history_(history),
      metrics_(metrics),
      forbidden_(std::move(forbidden_keys)),
      marks_(mark_base) {}

bool Writer::load(std::vector<std::string> *problems) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!load_env(schema_, env_path_, &state_.env_text, &state_.env, &state_.typed, problems)) return false;
  state_.snapshot = json_print(state_.typed.get());
  std::string err;
  if (!marks_.load(&state_.version, &err)) {
    problems->push_back(err);
    return false;
  }
  install_view_locked();
  return true;
}

uint64_t Writer::version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_.version;
}

std::string Writer::masked_config_json(const cJSON *typed) const {
  JsonPtr copy(cJSON_Duplicate(typed, true));
  for (cJSON *it = copy->child; it;) {
    cJSON *next = it->next;  // taken first: the replacement frees `it`
    if (schema_.is_secret(it->string) && !cJSON_IsNull(it)) {
      std::string name = it->string;
      cJSON_ReplaceItemInObjectCaseSensitive(copy.get(), name.c_str(), cJSON_CreateString(kMask));
    }
    it = next;
  }
  return json_print(copy.get());
}

void Writer::install_view_locked() {
  auto v = std::make_shared<View>();
  v->version = state_.version;
  v->body = "{\"version\":\"" + std::to_string(state_.version) + "\",\"config\":" + masked_config_json(state_.typed.get()) +
            "}\n";
  std::lock_guard<std::mutex> lock(view_mu_);
  view_ = std::move(v);
  metrics_->set_version(state_.version);
}

HttpResponse Writer::get_config(const std::string &if_none_match) const {
  std::shared_ptr<const View> v;
  {
    std::lock_guard<std::mutex> lock(view_mu_);
    v = view_;
  }
  std::string etag = "\"" + std::to_string(v->version) + "\"";
  HttpResponse r;
  r.headers.push_back({"ETag", etag});
  r.headers.push_back({"Cache-Control", "no-cache"});
  if (!if_none_match.empty()) {
    // A list of tags, possibly weak; "*" matches anything.
    size_t pos = 0;
    while (pos < if_none_match.size()) {
      size_t comma = if_none_match.find(',', pos);
      std::string tag = if_none_match.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      while (!tag.empty() && tag.front() == ' ') tag.erase(0, 1);
      while (!tag.empty() && tag.back() == ' ') tag.pop_back();
      if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);
      if (tag == etag || tag == "*") {
        r.status = 304;
        r.content_type.clear();
        return r;
      }
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  r.body = v->body;
  return r;
}

HttpResponse Writer::history(size_t limit) const { return json_ok(200, history_->render_json(limit)); }

HttpResponse Writer::check_preconditions(const char *action, const std::string &if_match,
                                         const cJSON *expected_version) const {
  if (!if_match.empty()) {
    bool any = false;
    uint64_t v = 0;
    if (!parse_if_match(if_match, &any, &v))
      return json_error(400, "bad_request", "If-Match must be a version tag such as \"12\"");
    if (!any && v != state_.version) {
      metrics_->count_mutation(action, "conflict");
      return json_error(412, "precondition_failed",
                        "If-Match \"" + std::to_string(v) + "\" does not match the current version \"" +
                            std::to_string(state_.version) + "\"");
    }
  }
  if (expected_version) {
    uint64_t v = 0;
    json_version(expected_version, &v);  // shape checked by the caller
    if (v != state_.version) {
      metrics_->count_mutation(action, "conflict");
      return json_error(409, "version_conflict",
                        "expected_version " + std::to_string(v) + " is stale: the current version is " +
                            std::to_string(state_.version));
    }
  }
  HttpResponse ok;
  ok.status = 0;
  return ok;
}

HttpResponse Writer::patch(const std::string &body, const std::string &if_match, const Actor &actor) {
  std::string err;
  JsonPtr root(parse_strict_json(body, kDefaultJsonMaxDepth, &err));
  if (!root) {
    metrics_->count_patch("bad_request");
    return json_error(400, "malformed_json", "the request body is not valid JSON: " + err);
  }
  if (!cJSON_IsObject(root.get())) {
    metrics_->count_patch("bad_request");
    return json_error(400, "bad_request", "the body must be a JSON object {\"updates\":{KEY: value|null}}");
  }
  const cJSON *member;
  cJSON_ArrayForEach(member, root.get()) {
    std::string name = member->string;
    if (name != "updates" && name != "expected_version") {
      metrics_->count_patch("bad_request");
      return json_error(400, "bad_request",
                        "unknown member \"" + name + "\"; the body has \"updates\" and optionally \"expected_version\"");
    }
  }
  const cJSON *updates = cJSON_GetObjectItemCaseSensitive(root.get(), "updates");
  if (!cJSON_IsObject(updates)) {
    metrics_->count_patch("bad_request");
    return json_error(400, "bad_request", "\"updates\" must be an object of KEY: value|null");
  }
  const cJSON *expected = cJSON_GetObjectItemCaseSensitive(root.get(), "expected_version");
  uint64_t ignored;
  if (expected && !json_version(expected, &ignored)) {
    metrics_->count_patch("bad_request");
    return json_error(400, "bad_request", "\"expected_version\" must be a non-negative integer");
  }

  // Admin credentials and the writer's own configuration can never be set by a patch.
  cJSON *forbidden = cJSON_CreateArray();
  cJSON_ArrayForEach(member, updates) {
    if (forbidden_.count(upper(member->string)))
      cJSON_AddItemToArray(forbidden, detail(member->string, "admin credentials and writer settings cannot be patched"));
  }
  if (cJSON_GetArraySize(forbidden) > 0) {
    metrics_->count_patch("forbidden");
    return json_error(403, "forbidden_key", "the patch names keys that cannot be changed through the API", forbidden);
  }
  cJSON_Delete(forbidden);

  // Convert each value to .env text, collecting every problem.
  std::map<std::string, std::optional<std::string>> changes;
  JsonPtr problems(cJSON_CreateArray());
  cJSON_ArrayForEach(member, updates) {
    std::string key = member->string;
    if (!schema_.has_key(key) && schema_.has_key(upper(key))) key = upper(key);
    if (!schema_.has_key(key)) {
      cJSON_AddItemToArray(problems.get(), detail(key, "unknown key: it is not in the schema"));
      continue;
    }
    if (changes.count(key)) {
      cJSON_AddItemToArray(problems.get(), detail(key, "the key is given twice (keys are case-insensitive)"));
      continue;
    }
    if (cJSON_IsNull(member)) {
      changes[key] = std::nullopt;
      continue;
    }
    std::string text, why;
    if (!schema_.value_to_env_text(key, member, &text, &why)) {
      cJSON_AddItemToArray(problems.get(), detail(key, why));
      continue;
    }
    changes[key] = text;
  }

  std::lock_guard<std::mutex> lock(mu_);
  HttpResponse pre = check_preconditions("patch", if_match, expected);
  if (pre.status) return pre;
  if (cJSON_GetArraySize(problems.get()) > 0) {
    metrics_->count_patch("invalid");
    return json_error(422, "validation_failed", "the patch is invalid; nothing was changed", problems.release());
  }
  return apply_locked(changes, "updated", "patch", "", nullptr, actor);
}

HttpResponse Writer::apply_locked(const std::map<std::string, std::optional<std::string>> &updates, const char *event,
                                  const char *action, const std::string &if_match, const cJSON *expected_version,
                                  const Actor &actor) {
  auto count = [&](const char *outcome) { metrics_->count_mutation(action, outcome); };
  HttpResponse pre = check_preconditions(action, if_match, expected_version);
  if (pre.status) return pre;
  // The patch is rendered from the .env this daemon last loaded or wrote; a hand edit since
  // then would be silently dropped, so refuse until it is reloaded (and so validated).
  std::string on_disk, read_err;
  if (!read_whole_file(env_path_, &on_disk, &read_err)) {
    count("error");
    log_error(std::string(action) + " refused: " + read_err);
    return json_error(500, "storage_error", "the .env cannot be read; nothing was changed");
  }
  if (on_disk != state_.env_text) {
    count("conflict");
    return json_error(409, "env_changed_on_disk",
                      "the .env was edited on disk since the daemon loaded it; POST /config/reload first "
                      "(nothing was changed)");
  }
  if (state_.version >= kMaxVersion) {
    count("error");
    return json_error(500, "version_exhausted", "the version counter is at its maximum; nothing was changed");
  }

  std::map<std::string, std::string> values = state_.env.values();
  for (const auto &[k, v] : updates) {
    if (v) values[k] = *v;
    else values.erase(k);
  }
  std::vector<FieldError> field_errors;
  JsonPtr typed(schema_.validate_env(values, &field_errors));
  if (!typed) {
    count("invalid");
    cJSON *details = cJSON_CreateArray();
    for (const auto &e : field_errors) cJSON_AddItemToArray(details, detail(e.key, e.message));
    return json_error(422, "validation_failed", "the resulting settings are invalid; nothing was changed", details);
  }
  std::string snapshot = json_print(typed.get());
  if (snapshot == state_.snapshot) {
    count("noop");
    return json_ok(200, version_body(state_.version, {}, true));
  }
  std::vector<std::string> changed = changed_keys(state_.typed.get(), typed.get());

  auto phase_start = std::chrono::steady_clock::now();
  auto since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
  };
  std::string new_text = state_.env.render(updates);
  EnvFile reparsed;
  if (!EnvFile::parse(new_text, &reparsed, nullptr) || reparsed.values() != values) {
    log_error("internal: the rendered .env does not read back as the patched values; refusing the patch");
    return json_error(500, "internal_error", "the .env could not be rendered faithfully; nothing was changed");
  }

  uint64_t next = state_.version + 1;
  double t_render = since(phase_start);
  // The reconciler saw another writer's snapshot in Redis: do not overwrite it either.
  PublishStatus begun = reported_conflict_ ? PublishStatus::conflict : publisher_->begin(state_.version);
  if (begun != PublishStatus::ok) {
    metrics_->set_redis_up(begun != PublishStatus::unreachable);
    count(begun == PublishStatus::conflict ? "conflict" : "unavailable");
    log_warn(std::string(action) + " refused: Redis: " + publisher_->last_error());
    if (begun == PublishStatus::conflict) return write_conflict_error();
    return json_error(503, "redis_unavailable", "Redis is not available; nothing was changed");
  }

  AuditRecord rec;
  rec.action = action;
  rec.actor = actor.name;
  rec.request_id = actor.request_id;
  rec.source = actor.source;
  rec.version_before = state_.version;
  rec.version_after = next;
  for (const auto &k : changed)
    rec.diff.push_back({k, schema_.is_secret(k), cJSON_GetObjectItemCaseSensitive(state_.typed.get(), k.c_str()),
                        cJSON_GetObjectItemCaseSensitive(typed.get(), k.c_str())});
  // Audit record + version mark, and the .env temp file, are independent and all come before
  // the commit point (the rename), so their syncs run at once. If any fails, nothing is renamed:
  // the .env stays whole and old. (A mark left ahead of the published version only makes a
  // later version skip a number.)
  double t_watch = since(phase_start);
  std::string audit_err, mark_err, env_err, tmp;
  bool audit_ok = false, mark_ok = false;
  // One helper thread (audit, then mark: two small in-place syncs) beside the .env temp file.
  std::thread sync_job([&] {
    audit_ok = audit_->append(rec, &audit_err);
    if (!audit_ok) return;
    OMEGA_FAILPOINT("patch.audit_synced");
    mark_ok = marks_.store(next, &mark_err, "patch.version");
  });
  bool env_ok = prepare_temp(env_path_, new_text, 0600, "patch.env", &tmp, &env_err);
  sync_job.join();
  if (!audit_ok || !mark_ok || !env_ok) {
    discard_temp(tmp);
    publisher_->abort();
    if (!audit_ok) {
      count("unavailable");
      log_error(std::string(action) + " refused: " + audit_err);
      return json_error(503, "audit_unavailable", "the audit log cannot be written; nothing was changed");
    }
    count("error");
    log_error(std::string(action) + " refused: " + (mark_ok ? env_err : "version mark: " + mark_err));
    return json_error(500, "storage_error", "the .env or the version mark could not be written; the .env is unchanged");
  }
  double t_synced = since(phase_start);
  OMEGA_FAILPOINT("patch.prepared");
  std::string err;
  bool renamed = false, durable = true;
  if (!commit_temp(tmp, env_path_, "patch.env", &err, &renamed)) {
    if (!renamed) {
      count("error");
      publisher_->abort();
      log_error(std::string(action) + " refused: .env: " + err);
      return json_error(500, "storage_error", "the .env could not be replaced; it is unchanged");
    }
    // The rename happened (only the directory fsync failed, twice): the new .env is in place,
    // so carry on and publish it rather than serve a state that differs from the file, but
    // do not answer 200: the change may not survive a power loss.
    durable = false;
    log_error(std::string(action) + ": the new .env is in place but " + err);
  }
  double t_renamed = since(phase_start);
  OMEGA_FAILPOINT("patch.env_written");

  Publication p{snapshot, next, state_.version, state_.epoch, event, changed};
  OMEGA_FAILPOINT("patch.before_exec");
  PublishStatus status = commit_locked(p);
  OMEGA_FAILPOINT("patch.published");
  if (status != PublishStatus::ok)
    log_warn(std::string(action) + " saved as version " + std::to_string(next) +
             " but not yet published (the reconciler retries): " + publisher_->last_error());

  adopt_locked(std::move(reparsed), std::move(new_text), std::move(typed), std::move(snapshot), next);
  record_history_locked(event, actor.name, changed);
  count(durable ? "applied" : "error");
  std::string names;
  for (const auto &k : changed) names += (names.empty() ? "" : ",") + k;
  char timing[160];
  snprintf(timing, sizeof timing, " (ms from validation: rendered %.2f, watched %.2f, synced %.2f, renamed %.2f, published %.2f)",
           t_render, t_watch, t_synced, t_renamed, since(phase_start));
  log_info(std::string(action) + " by " + actor.name + " (" + actor.request_id + "): version " + std::to_string(next) +
           ", changed " + names + timing);
  if (!durable)
    return json_error(500, "storage_error",
                      "the new .env is in place and version " + std::to_string(next) + " was " +
                          (status == PublishStatus::ok ? "published" : "saved") +
                          ", but the directory fsync failed twice: the change may not survive a power loss");
  return json_ok(200, version_body(next, changed, status == PublishStatus::ok));
}

HttpResponse Writer::write_conflict_error() const {
  return json_error(503, "write_conflict",
                    "Redis holds a newer version published by another writer; nothing was changed. "
                    "Only one writer may run: stop the other one (see docs/daemon.md, \"Second writer\")");
}

void Writer::record_history_locked(const char *event, const std::string &actor, const std::vector<std::string> &changed) {
  HistoryEntry e;
  e.version = state_.version;
  e.event = event;
  e.actor = actor;
  e.written_at = utc_now_rfc3339();
  e.changed = changed;
  e.masked_config_json = masked_config_json(state_.typed.get());
  e.values = state_.env.values();
  history_->add(std::move(e));
}

HttpResponse Writer::reload(const Actor &actor) {
  std::lock_guard<std::mutex> lock(mu_);
  // Re-read the .env: an operator may have edited it by hand. An invalid file changes nothing.
  std::string text;
  EnvFile env;
  JsonPtr typed;
  std::vector<EnvProblem> problems;
  if (!load_env(schema_, env_path_, &text, &env, &typed, &problems)) {
    cJSON *details = cJSON_CreateArray();  // same {"key","message"} shape as a patch's 422
    for (const auto &p : problems) cJSON_AddItemToArray(details, detail(p.key, p.message));
    return json_error(422, "invalid_env_file", "the .env on disk is invalid; nothing was republished", details);
  }
  std::string snapshot = json_print(typed.get());
  bool edited = snapshot != state_.snapshot;
  if (edited && state_.version >= kMaxVersion)
    return json_error(500, "version_exhausted", "the version counter is at its maximum; nothing was changed");
  uint64_t next = edited ? state_.version + 1 : state_.version;
  std::vector<std::string> changed = edited ? changed_keys(state_.typed.get(), typed.get()) : std::vector<std::string>{};

  PublishStatus begun = reported_conflict_ ? PublishStatus::conflict : publisher_->begin(state_.version);
  if (begun != PublishStatus::ok) {
    metrics_->set_redis_up(begun != PublishStatus::unreachable);
    log_warn("reload refused: Redis: " + publisher_->last_error());
    if (begun == PublishStatus::conflict) return write_conflict_error();
    return json_error(503, "redis_unavailable", "Redis is not available; nothing was republished");
  }
  AuditRecord rec{"reload", actor.name, actor.request_id, actor.source, state_.version, next, {}};
  for (const auto &k : changed)
    rec.diff.push_back({k, schema_.is_secret(k), cJSON_GetObjectItemCaseSensitive(state_.typed.get(), k.c_str()),
                        cJSON_GetObjectItemCaseSensitive(typed.get(), k.c_str())});
  std::string err;
  if (!audit_->append(rec, &err)) {
    publisher_->abort();
    log_error("reload refused: " + err);
    return json_error(503, "audit_unavailable", "the audit log cannot be written; nothing was republished");
  }
  if (edited && !marks_.store(next, &err)) {
    publisher_->abort();
    return json_error(500, "storage_error", "the version mark could not be written");
  }
  Publication p{snapshot, next, state_.version, state_.epoch, "reload", changed};
  if (state_.epoch.empty()) p.epoch = state_.epoch = random_hex(8);
  PublishStatus status = commit_locked(p);
  // The .env on disk is now the state (audited), whether or not Redis took it.
  adopt_locked(std::move(env), std::move(text), std::move(typed), std::move(snapshot), next);
  if (edited) record_history_locked("reload", actor.name, changed);
  if (status != PublishStatus::ok)
    log_warn("reload saved as version " + std::to_string(next) +
             " but not yet published (the reconciler retries): " + publisher_->last_error());
  else
    log_info("reload by " + actor.name + " (" + actor.request_id + "): version " + std::to_string(next));
  // Like a patch: the state changed, so 200 with "published": false rather than an error.
  return json_ok(200, version_body(next, changed, status == PublishStatus::ok));
}

HttpResponse Writer::rollback(const std::string &body, const std::string &if_match, const Actor &actor) {
  std::string err;
  JsonPtr root(parse_strict_json(body, kDefaultJsonMaxDepth, &err));
  if (!root) return json_error(400, "malformed_json", "the request body is not valid JSON: " + err);
  if (!cJSON_IsObject(root.get())) return json_error(400, "bad_request", "the body must be {\"version\": N}");
  const cJSON *member;
  cJSON_ArrayForEach(member, root.get()) {
    std::string name = member->string;
    if (name != "version" && name != "expected_version")
      return json_error(400, "bad_request", "unknown member \"" + name + "\"; the body is {\"version\": N}");
  }
  uint64_t target = 0, ignored = 0;
  const cJSON *expected = cJSON_GetObjectItemCaseSensitive(root.get(), "expected_version");
  if (!json_version(cJSON_GetObjectItemCaseSensitive(root.get(), "version"), &target))
    return json_error(400, "bad_request", "\"version\" must be a version number");
  if (expected && !json_version(expected, &ignored))
    return json_error(400, "bad_request", "\"expected_version\" must be a non-negative integer");
  std::optional<HistoryEntry> old = history_->find(target);
  if (!old)
    return json_error(404, "version_not_found",
                      "version " + std::to_string(target) + " is not in the history (see GET /config/history)");
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::optional<std::string>> updates;
  std::map<std::string, std::string> now = state_.env.values();
  for (const auto &[k, v] : old->values)
    if (!now.count(k) || now[k] != v) updates[k] = v;
  for (const auto &[k, v] : now)
    if (!old->values.count(k)) updates[k] = std::nullopt;
  return apply_locked(updates, "rollback", "rollback", if_match, expected, actor);
}

PublishStatus Writer::commit_locked(const Publication &p) {
  auto t0 = std::chrono::steady_clock::now();
  PublishStatus status = publisher_->commit(p);
  metrics_->observe_publish(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  metrics_->set_redis_up(status != PublishStatus::unreachable);
  // Another writer slipped in between WATCH and EXEC: Redis now holds its snapshot at our
  // version or above; the reconciler must report that, not overwrite it.
  if (status == PublishStatus::conflict) contested_version_ = p.version;
  return status;
}

void Writer::adopt_locked(EnvFile env, std::string env_text, JsonPtr typed, std::string snapshot,
                          uint64_t version) {
  state_.env = std::move(env);
  state_.env_text = std::move(env_text);
  state_.typed = std::move(typed);
  state_.snapshot = std::move(snapshot);
  state_.version = version;
  install_view_locked();
}

bool Writer::publish_locked(const Publication &p) {
  auto t0 = std::chrono::steady_clock::now();
  PublishStatus s = publisher_->publish(p);
  metrics_->observe_publish(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  metrics_->set_redis_up(s != PublishStatus::unreachable);
  if (s != PublishStatus::ok) log_warn("publish of version " + std::to_string(p.version) + " failed: " + publisher_->last_error());
  return s == PublishStatus::ok;
}

void Writer::boot() {
  std::lock_guard<std::mutex> lock(mu_);
  resync_locked("boot", true);
}

void Writer::reconcile() {
  std::lock_guard<std::mutex> lock(mu_);
  resync_locked("reload", false);
}

void Writer::resync_locked(const char *event, bool force) {
  RedisState rs;
  if (publisher_->read_state(&rs) != PublishStatus::ok) {
    if (metrics_->redis_up() || force) log_warn("Redis unreachable: " + publisher_->last_error() + " (will retry)");
    metrics_->set_redis_up(false);
    return;
  }
  metrics_->set_redis_up(true);
  std::string err;
  bool same_snapshot = rs.snapshot && *rs.snapshot == state_.snapshot;
  if (same_snapshot && rs.version && *rs.version >= state_.version && !rs.epoch.empty()) {
    set_conflict_locked(0);
    bool in_sync = *rs.version == state_.version && rs.epoch == state_.epoch;
    if (*rs.version > state_.version && !marks_.store(*rs.version, &err)) {
      log_error("cannot store the version mark: " + err);
      return;
    }
    state_.version = *rs.version;
    state_.epoch = rs.epoch;
    if (in_sync && !force) return;
    if (force) publish_locked(Publication{state_.snapshot, state_.version, state_.version, state_.epoch, event, {}});
    if (history_->find(state_.version) == std::nullopt) record_history_locked(event, "omega-settingsd", {});
    install_view_locked();
    return;
  }
  // A different snapshot at a version this writer never reached (or one it lost to another
  // writer's EXEC) was published by someone else: report it, never overwrite it, or two
  // writers would take turns publishing.
  if (!same_snapshot && rs.version &&
      (*rs.version > state_.version || (contested_version_ && *rs.version >= contested_version_))) {
    set_conflict_locked(*rs.version);
    return;
  }
  set_conflict_locked(0);
  if (rs.version_malformed) log_warn("Redis holds a malformed version; replacing it (new epoch)");
  uint64_t base = std::max(state_.version, rs.version.value_or(0));
  if (base >= kMaxVersion) {
    log_error("the version counter is at its maximum; not republishing");
    return;
  }
  // Redis is empty, or holds something else: publish the .env as a new version.
  uint64_t next = base + 1;
  std::string epoch;
  if (!rs.version) epoch = random_hex(8);  // no (valid) version: Redis lost its data (or first seed)
  else if (!rs.epoch.empty()) epoch = rs.epoch;
  else epoch = state_.epoch.empty() ? random_hex(8) : state_.epoch;
  JsonPtr before(rs.snapshot ? cJSON_ParseWithLength(rs.snapshot->data(), rs.snapshot->size()) : nullptr);
  std::vector<std::string> changed = changed_keys(cJSON_IsObject(before.get()) ? before.get() : nullptr, state_.typed.get());
  // The mark goes first so versions never go backwards; a failed publish only leaves it ahead
  // (the next attempt computes the same number).
  if (!marks_.store(next, &err)) {
    log_error("cannot store the version mark: " + err);
    return;
  }
  uint64_t prev = rs.version.value_or(state_.version);
  Publication p{state_.snapshot, next, prev, epoch, event, changed};
  if (!publish_locked(p)) return;  // in-memory version, epoch and view move only on success
  state_.version = next;
  state_.epoch = epoch;
  install_view_locked();
  log_info(std::string(event == std::string("boot") ? "seeded" : "reconciled") + " Redis with version " +
           std::to_string(next) + (rs.version ? "" : " (new epoch " + epoch + ")"));
  record_history_locked(event, "omega-settingsd", changed);
}

void Writer::set_conflict_locked(uint64_t foreign_version) {
  if (foreign_version && foreign_version != reported_conflict_)
    log_error("Redis holds version " + std::to_string(foreign_version) + " with a snapshot this writer (version " +
              std::to_string(state_.version) +
              ") did not publish: another writer is running. Not overwriting it; patches are refused "
              "(write_conflict) until only one writer remains (see docs/daemon.md)");
  else if (!foreign_version && reported_conflict_)
    log_info("the write conflict is resolved");
  if (!foreign_version) contested_version_ = 0;
  reported_conflict_ = foreign_version;
  metrics_->set_write_conflict(foreign_version != 0);
}

}  // namespace omega::settingsd
