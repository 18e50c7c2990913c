#include "http/handlers.h"

#include <cctype>
#include <cmath>
#include <optional>

#include "model/fleet.h"
#include "service/utc_time.h"
#include "wire_format.h"

namespace omega::settingsd {
namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t a = 0;
  while (a < s.size() && (s[a] == ' ' || s[a] == '\t')) ++a;
  return s.substr(a);
}

// A version as decimal text: up to 16 digits (the API document's VersionParam). One above
// 2^53-1 is a version that does not exist (404, or a stale precondition), not a bad request.
std::optional<uint64_t> text_version(const std::string& text) {
  if (std::optional<uint64_t> v = wire::parse_decimal(text)) return v;
  bool digits = !text.empty() && text.size() <= 16;
  for (char c : text) digits = digits && c >= '0' && c <= '9';
  return digits ? std::optional<uint64_t>(wire::kMaxVersion + 1) : std::nullopt;
}

// A version given as a JSON integer or a decimal string.
std::optional<uint64_t> json_version(const cJSON* v) {
  if (cJSON_IsNumber(v)) {
    double d = v->valuedouble;
    if (d < 0 || d > static_cast<double>(wire::kMaxVersion) || std::trunc(d) != d) return std::nullopt;
    return static_cast<uint64_t>(d);
  }
  if (cJSON_IsString(v)) return text_version(v->valuestring);
  return std::nullopt;
}

// If-Match compares strong entity tags only (RFC 9110 13.1.1): "N" names a version, a weak
// W/"N" never matches, and * matches whatever version is current. False when malformed.
bool parse_if_match(const std::string& header, Preconditions* pre) {
  std::string v = trim(header);
  if (v == "*") return true;
  if (v.rfind("W/", 0) == 0) {
    pre->if_match = 0;  // no version is 0: a weak tag is always stale
    return v.size() > 4 && v[2] == '"' && v.back() == '"';
  }
  if (v.size() < 3 || v.front() != '"' || v.back() != '"') return false;
  pre->if_match = wire::parse_decimal(v.substr(1, v.size() - 2));
  return pre->if_match.has_value();
}

HttpResponse bad_request(const std::string& code, const std::string& message) {
  HttpResponse r = json_error(400, code, message);
  r.outcome = "bad_request";
  return r;
}

// Parses a mutation body: a strict JSON object with only the allowed members. On failure
// returns the 400 to send.
std::optional<HttpResponse> parse_body(const std::string& body, const std::vector<std::string>& allowed,
                                       const std::string& shape, JsonPtr* root) {
  std::string err;
  root->reset(parse_strict_json(body, kDefaultJsonMaxDepth, &err));
  if (!*root) return bad_request("malformed_json", "the request body is not valid JSON: " + err);
  if (!cJSON_IsObject(root->get())) return bad_request("bad_request", "the body must be a JSON object " + shape);
  const cJSON* member;
  cJSON_ArrayForEach(member, root->get()) {
    bool known = false;
    for (const auto& a : allowed) known = known || a == member->string;
    if (!known)
      return bad_request("bad_request", "unknown member \"" + std::string(member->string) + "\"; the body is " + shape);
  }
  return std::nullopt;
}

// Reads If-Match and "expected_version". On failure returns the 400 to send.
std::optional<HttpResponse> parse_preconditions(const HttpRequest& req, const cJSON* root, Preconditions* pre) {
  std::string if_match = req.header("if-match");
  if (!if_match.empty() && !parse_if_match(if_match, pre))
    return bad_request("bad_request", "If-Match must be a version tag such as \"12\", or *");
  if (const cJSON* expected = cJSON_GetObjectItemCaseSensitive(root, "expected_version")) {
    pre->expected_version = json_version(expected);
    if (!pre->expected_version)
      return bad_request("bad_request", "\"expected_version\" must be a non-negative integer");
  }
  return std::nullopt;
}

// "comment": a string, if present.
std::optional<HttpResponse> parse_comment(const cJSON* root, std::string* comment) {
  const cJSON* c = cJSON_GetObjectItemCaseSensitive(root, "comment");
  if (!c) return std::nullopt;
  if (!cJSON_IsString(c)) return bad_request("bad_request", "\"comment\" must be a string");
  *comment = c->valuestring;
  return std::nullopt;
}

// "dry_run": a boolean, if present.
std::optional<HttpResponse> parse_dry_run(const cJSON* root, bool* dry_run) {
  const cJSON* d = cJSON_GetObjectItemCaseSensitive(root, "dry_run");
  if (!d) return std::nullopt;
  if (!cJSON_IsBool(d)) return bad_request("bad_request", "\"dry_run\" must be true or false");
  *dry_run = cJSON_IsTrue(d);
  return std::nullopt;
}

// "revert_after_s": an integer (its range is the writer's to check: 422).
std::optional<HttpResponse> parse_revert_after(const cJSON* root, std::optional<int64_t>* out) {
  const cJSON* v = cJSON_GetObjectItemCaseSensitive(root, "revert_after_s");
  if (!v) return std::nullopt;
  if (!cJSON_IsNumber(v) || std::trunc(v->valuedouble) != v->valuedouble)
    return bad_request("bad_request", "\"revert_after_s\" must be a whole number of seconds");
  double d = v->valuedouble;
  *out = d > 1e15 ? int64_t(1e15) : d < -1e15 ? int64_t(-1e15) : static_cast<int64_t>(d);
  return std::nullopt;
}

// A version in the query (from, to): 1 to 16 digits.
std::optional<uint64_t> query_version(const std::string& text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  return text_version(text);
}

const char* outcome_of(Refusal r) {
  switch (r) {
    case Refusal::kNone: return "applied";
    case Refusal::kForbidden: return "forbidden";
    case Refusal::kInvalid:
    case Refusal::kInvalidEnvFile:
    case Refusal::kValidatorRefused: return "invalid";
    case Refusal::kStaleIfMatch:
    case Refusal::kStaleExpected:
    case Refusal::kEnvChangedOnDisk:
    case Refusal::kWriteConflict: return "conflict";
    case Refusal::kVersionNotFound: return "not_found";
    case Refusal::kRedisUnavailable:
    case Refusal::kAuditUnavailable:
    case Refusal::kValidatorUnavailable: return "unavailable";
    case Refusal::kStorageError:
    case Refusal::kVersionExhausted:
    case Refusal::kInternal: return "error";
  }
  return "error";
}

HttpResponse refusal_response(const MutationOutcome& o) {
  switch (o.refusal) {
    case Refusal::kForbidden: return json_error(403, "forbidden_key", o.message, o.problems);
    case Refusal::kInvalid: return json_error(422, "validation_failed", o.message, o.problems);
    case Refusal::kInvalidEnvFile: return json_error(422, "invalid_env_file", o.message, o.problems);
    case Refusal::kValidatorRefused: return json_error(422, "validation_failed", o.message, o.problems);
    case Refusal::kValidatorUnavailable: return json_error(503, "validator_unavailable", o.message);
    case Refusal::kStaleIfMatch: return json_error(412, "precondition_failed", o.message);
    case Refusal::kStaleExpected: return json_error(409, "version_conflict", o.message);
    case Refusal::kEnvChangedOnDisk: return json_error(409, "env_changed_on_disk", o.message);
    case Refusal::kVersionNotFound: return json_error(404, "version_not_found", o.message, o.problems);
    case Refusal::kRedisUnavailable: return json_error(503, "redis_unavailable", o.message);
    case Refusal::kWriteConflict: return json_error(503, "write_conflict", o.message);
    case Refusal::kAuditUnavailable: return json_error(503, "audit_unavailable", o.message);
    case Refusal::kStorageError: return json_error(500, "storage_error", o.message);
    case Refusal::kVersionExhausted: return json_error(500, "version_exhausted", o.message);
    case Refusal::kInternal:
    case Refusal::kNone: break;
  }
  return json_error(500, "internal_error", o.message);
}

}  // namespace

HttpResponse mutation_response(const MutationOutcome& o) {
  if (o.refused()) {
    HttpResponse r = refusal_response(o);
    r.outcome = outcome_of(o.refusal);
    return r;
  }
  if (!o.replicated) {
    std::string what = o.published ? "is saved and published, but only " + std::to_string(o.replicas) +
                                         " replica(s) confirmed it in time (--min-replicas): "
                                         "a failover now could lose it from Redis until the writer republishes it "
                                         "from the .env"
                       : o.contested ? "is saved in the .env, but another writer published to Redis meanwhile: this "
                                       "writer does not overwrite it (write_conflict in /readyz)"
                                     : "is saved in the .env but Redis did not take it (--min-replicas): the writer "
                                       "publishes it to the primary as soon as one answers";
    HttpResponse r = json_error(503, "replication_timeout", "version " + std::to_string(o.version) + " " + what);
    r.outcome = "unavailable";
    return r;
  }
  if (!o.durable) {
    HttpResponse r = json_error(500, "storage_error",
                                "the new .env is in place and version " + std::to_string(o.version) + " was " +
                                    (o.published ? "published" : "saved") +
                                    ", but the directory fsync failed twice: the change may not survive a power loss");
    r.outcome = "error";
    return r;
  }
  JsonPtr root(cJSON_CreateObject());
  if (o.dry_run) {
    cJSON_AddBoolToObject(root.get(), "dry_run", true);
    cJSON_AddStringToObject(root.get(), "version", std::to_string(o.version).c_str());
    cJSON* changes = parse_strict_json(o.changes_json, kDefaultJsonMaxDepth, nullptr);
    cJSON_AddItemToObject(root.get(), "changes", changes ? changes : cJSON_CreateArray());
    HttpResponse r = json_ok(200, json_print(root.get()));
    r.outcome = "noop";  // a dry run changes nothing
    return r;
  }
  cJSON_AddStringToObject(root.get(), "version", std::to_string(o.version).c_str());
  cJSON* arr = cJSON_AddArrayToObject(root.get(), "changed");
  for (const auto& k : o.changed) cJSON_AddItemToArray(arr, cJSON_CreateString(k.c_str()));
  if (!o.published) cJSON_AddBoolToObject(root.get(), "published", false);
  if (o.subscribers) cJSON_AddNumberToObject(root.get(), "subscribers", static_cast<double>(*o.subscribers));
  if (!o.revert_at.empty()) cJSON_AddStringToObject(root.get(), "revert_at", o.revert_at.c_str());
  HttpResponse r = json_ok(200, json_print(root.get()));
  r.outcome = o.noop ? "noop" : "applied";
  return r;
}

namespace {

// 200 with the view (and its pending reverts), or 304 when if_none_match names its version.
HttpResponse config_response(const Writer::ConfigView& view, const std::string& if_none_match) {
  std::string etag = "\"" + std::to_string(view.version) + "\"";
  HttpResponse r;
  r.headers.push_back({"ETag", etag});
  r.headers.push_back({"Cache-Control", "no-cache"});
  if (!if_none_match.empty() && if_none_match_hits(if_none_match, etag)) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.body = "{\"version\":\"" + std::to_string(view.version) + "\",\"config\":" + view.masked_json;
  if (!view.pending_reverts.empty()) {
    JsonPtr list(cJSON_CreateArray());
    const int64_t now = unix_now_ms();
    for (const auto& p : view.pending_reverts) {
      cJSON* item = cJSON_CreateObject();
      cJSON_AddStringToObject(item, "version", std::to_string(p.version).c_str());
      cJSON* keys = cJSON_AddArrayToObject(item, "keys");
      for (const auto& k : p.keys) cJSON_AddItemToArray(keys, cJSON_CreateString(k.c_str()));
      cJSON_AddStringToObject(item, "revert_at", rfc3339_of_unix_ms(p.revert_at_ms).c_str());
      int64_t left = p.revert_at_ms > now ? (p.revert_at_ms - now + 999) / 1000 : 0;
      cJSON_AddNumberToObject(item, "remaining_s", static_cast<double>(left));
      cJSON_AddItemToArray(list.get(), item);
    }
    r.body += ",\"pending_reverts\":" + json_print(list.get());
  }
  r.body += "}\n";
  return r;
}

}  // namespace

HttpResponse Handlers::get_config(const HttpRequest& req) const {
  auto view = writer_->config();
  std::string if_none_match = req.header("if-none-match");
  auto wait = req.query.find("wait");
  if (wait == req.query.end()) return config_response(*view, if_none_match);
  std::optional<uint64_t> seconds = wire::parse_decimal(wait->second);
  if (!seconds || *seconds < 1 || *seconds > 60)
    return json_error(400, "bad_request", "wait must be an integer from 1 to 60 (seconds)");
  if (if_none_match.empty() || !if_none_match_hits(if_none_match, "\"" + std::to_string(view->version) + "\""))
    return config_response(*view, if_none_match);
  // The client has the current version: answer when another one is installed, or 304 when
  // the time is up. The connection waits without a worker thread (HttpServer parks it).
  const uint64_t seen = view->version;
  auto deferred = std::make_shared<Deferred>();
  deferred->deadline = std::chrono::steady_clock::now() + std::chrono::seconds(*seconds);
  deferred->answer = [this, seen, if_none_match](bool final_answer) -> std::optional<HttpResponse> {
    auto now = writer_->config();
    if (now->version != seen) return config_response(*now, "");
    if (!final_answer) return std::nullopt;
    return config_response(*now, if_none_match);
  };
  HttpResponse r;
  r.deferred = std::move(deferred);
  return r;
}

HttpResponse Handlers::history(const HttpRequest& req) const {
  size_t limit = 100;
  auto it = req.query.find("limit");
  if (it != req.query.end()) {
    std::optional<uint64_t> v = wire::parse_decimal(it->second);
    if (!v || *v < 1 || *v > 10000) return json_error(400, "bad_request", "limit must be an integer from 1 to 10000");
    limit = static_cast<size_t>(*v);
  }
  return json_ok(200, history_->render_json(limit));
}

HttpResponse Handlers::diff(const HttpRequest& req) const {
  auto from = req.query.find("from");
  if (from == req.query.end()) return json_error(400, "bad_request", "from=N is required (a version)");
  std::optional<uint64_t> a = query_version(from->second);
  if (!a) return json_error(400, "bad_request", "from must be a version number");
  std::optional<uint64_t> b;
  if (auto to = req.query.find("to"); to != req.query.end()) {
    b = query_version(to->second);
    if (!b) return json_error(400, "bad_request", "to must be a version number");
  }
  DiffOutcome d = writer_->diff(*a, b);
  if (!d.found) return json_error(404, "version_not_found", d.message, std::vector<Problem>{{d.missing, d.message}});
  JsonPtr root(cJSON_CreateObject());
  cJSON_AddStringToObject(root.get(), "from", std::to_string(d.from).c_str());
  cJSON_AddStringToObject(root.get(), "to", std::to_string(d.to).c_str());
  cJSON* changes = parse_strict_json(d.changes_json, kDefaultJsonMaxDepth, nullptr);
  cJSON_AddItemToObject(root.get(), "changes", changes ? changes : cJSON_CreateArray());
  return json_ok(200, json_print(root.get()));
}

HttpResponse Handlers::blame(const HttpRequest& req) const {
  std::optional<std::string> only;
  if (auto key = req.query.find("key"); key != req.query.end()) {
    std::string name = key->second;
    if (!writer_->schema().has_key(name))
      for (const auto& k : writer_->schema().keys())
        if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char x, char y) {
              return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
            }))
          name = k;
    if (!writer_->schema().has_key(name))
      return json_error(404, "not_found",
                        EnvFile::is_valid_key(name) ? "no setting is named " + name : "no setting has that name");
    only = name;
  }
  JsonPtr root(cJSON_CreateObject());
  cJSON* keys = cJSON_AddObjectToObject(root.get(), "keys");
  for (const auto& [k, line] : writer_->blame()) {
    if (only && k != *only) continue;
    cJSON* item = cJSON_AddObjectToObject(keys, k.c_str());
    cJSON_AddStringToObject(item, "version", std::to_string(line.version).c_str());
    cJSON_AddStringToObject(item, "event", line.event.c_str());
    cJSON_AddStringToObject(item, "actor", line.actor.c_str());
    cJSON_AddStringToObject(item, "written_at", line.written_at.c_str());
    if (!line.comment.empty()) cJSON_AddStringToObject(item, "comment", line.comment.c_str());
  }
  return json_ok(200, json_print(root.get()));
}

HttpResponse Handlers::readers(const HttpRequest&) const {
  std::vector<FleetNode> nodes = fleet_->probe();
  if (!nodes[0].error.empty())
    return json_error(503, "redis_unavailable", "Redis (" + nodes[0].node + ") cannot be asked: " + nodes[0].error);
  return json_ok(200, fleet_json(nodes));
}

HttpResponse Handlers::schema(const HttpRequest&) const {
  HttpResponse r;
  r.body = schema_text_;
  return r;
}

HttpResponse Handlers::patch(const HttpRequest& req, const Actor& actor) const {
  JsonPtr root;
  const std::string shape =
      "{\"updates\":{KEY: value|null}, \"expected_version\"?: N, \"dry_run\"?: bool, \"comment\"?: text, "
      "\"revert_after_s\"?: N}";
  if (auto bad =
          parse_body(req.body, {"updates", "expected_version", "dry_run", "comment", "revert_after_s"}, shape, &root))
    return *bad;
  const cJSON* updates = cJSON_GetObjectItemCaseSensitive(root.get(), "updates");
  if (!cJSON_IsObject(updates)) return bad_request("bad_request", "\"updates\" must be an object of KEY: value|null");
  PatchRequest request;
  if (auto bad = parse_preconditions(req, root.get(), &request.pre)) return *bad;
  if (auto bad = parse_comment(root.get(), &request.comment)) return *bad;
  if (auto bad = parse_dry_run(root.get(), &request.dry_run)) return *bad;
  if (auto bad = parse_revert_after(root.get(), &request.revert_after_s)) return *bad;
  const cJSON* member;
  cJSON_ArrayForEach(member, updates) request.updates.emplace_back(member->string, member);
  request.actor = actor;
  return mutation_response(writer_->patch(request));
}

HttpResponse Handlers::reload(const HttpRequest& req, const Actor& actor) const {
  ReloadRequest request{actor, ""};
  if (!req.body.empty()) {
    JsonPtr root;
    if (auto bad = parse_body(req.body, {"comment"}, "{\"comment\"?: text} (or no body)", &root)) return *bad;
    if (auto bad = parse_comment(root.get(), &request.comment)) return *bad;
  }
  return mutation_response(writer_->reload(request));
}

HttpResponse Handlers::rollback(const HttpRequest& req, const Actor& actor) const {
  JsonPtr root;
  const std::string shape = "{\"version\": N, \"expected_version\"?: N, \"dry_run\"?: bool, \"comment\"?: text}";
  if (auto bad = parse_body(req.body, {"version", "expected_version", "dry_run", "comment"}, shape, &root)) return *bad;
  RollbackRequest request;
  std::optional<uint64_t> target = json_version(cJSON_GetObjectItemCaseSensitive(root.get(), "version"));
  if (!target) return bad_request("bad_request", "\"version\" must be a version number");
  if (auto bad = parse_preconditions(req, root.get(), &request.pre)) return *bad;
  if (auto bad = parse_comment(root.get(), &request.comment)) return *bad;
  if (auto bad = parse_dry_run(root.get(), &request.dry_run)) return *bad;
  request.target = *target;
  request.actor = actor;
  return mutation_response(writer_->rollback(request));
}

HttpResponse Handlers::healthz() const { return json_ok(200, "{\"status\":\"ok\"}"); }

HttpResponse Handlers::readyz() const {
  std::string redis_error;
  bool redis = redis_->ping(&redis_error);  // answers within the Redis timeout, even if Redis hangs
  metrics_->set_redis_up(redis);
  bool audit = audit_->up(), conflict = metrics_->write_conflict();
  JsonPtr state(cJSON_CreateObject());
  cJSON_AddBoolToObject(state.get(), "redis", redis);
  cJSON_AddBoolToObject(state.get(), "audit", audit);
  cJSON_AddBoolToObject(state.get(), "write_conflict", conflict);
  cJSON_AddBoolToObject(state.get(), "ready", redis && audit && !conflict);
  if (redis && audit && !conflict) return json_ok(200, json_print(state.get()));
  std::string why = !redis   ? redis_error
                    : !audit ? "the audit log is not writable"
                             : "Redis holds a newer version from another writer";
  cJSON_AddStringToObject(state.get(), "error", "not_ready");
  cJSON_AddStringToObject(state.get(), "message", why.c_str());
  return json_ok(503, json_print(state.get()));
}

HttpResponse Handlers::metrics() const {
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  // The readers gauge is asked of Redis when scraped (no cache: a scrape every 15-60 s costs
  // one CLIENT LIST per node), with the fleet probe's short deadline.
  ReadersGauge readers;
  std::vector<FleetNode> nodes = fleet_->probe();
  if (nodes[0].error.empty()) {
    FleetSummary s = summarize(nodes);
    readers.known = true;
    readers.counts = s.readers;
    readers.unnamed_subscribers = s.unnamed_subscribers;
  }
  r.body = metrics_->render(audit_->up(), readers);
  return r;
}

}  // namespace omega::settingsd
