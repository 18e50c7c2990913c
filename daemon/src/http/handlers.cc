#include "http/handlers.h"

#include <cmath>
#include <optional>

#include "wire_format.h"

namespace omega::settingsd {
namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t a = 0;
  while (a < s.size() && (s[a] == ' ' || s[a] == '\t')) ++a;
  return s.substr(a);
}

// A version given as a JSON integer or a decimal string.
std::optional<uint64_t> json_version(const cJSON* v) {
  if (cJSON_IsNumber(v)) {
    double d = v->valuedouble;
    if (d < 0 || d > static_cast<double>(wire::kMaxVersion) || std::trunc(d) != d) return std::nullopt;
    return static_cast<uint64_t>(d);
  }
  if (cJSON_IsString(v)) return wire::parse_decimal(v->valuestring);
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

// If-None-Match: a list of tags, compared weakly (RFC 9110 13.1.2); * matches anything.
bool none_match_hits(const std::string& header, const std::string& etag) {
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t comma = header.find(',', pos);
    std::string tag = trim(header.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);
    if (tag == etag || tag == "*") return true;
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return false;
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

const char* outcome_of(Refusal r) {
  switch (r) {
    case Refusal::kNone: return "applied";
    case Refusal::kForbidden: return "forbidden";
    case Refusal::kInvalid:
    case Refusal::kInvalidEnvFile: return "invalid";
    case Refusal::kStaleIfMatch:
    case Refusal::kStaleExpected:
    case Refusal::kEnvChangedOnDisk:
    case Refusal::kWriteConflict: return "conflict";
    case Refusal::kVersionNotFound: return "not_found";
    case Refusal::kRedisUnavailable:
    case Refusal::kAuditUnavailable: return "unavailable";
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
    case Refusal::kStaleIfMatch: return json_error(412, "precondition_failed", o.message);
    case Refusal::kStaleExpected: return json_error(409, "version_conflict", o.message);
    case Refusal::kEnvChangedOnDisk: return json_error(409, "env_changed_on_disk", o.message);
    case Refusal::kVersionNotFound: return json_error(404, "version_not_found", o.message);
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
  cJSON_AddStringToObject(root.get(), "version", std::to_string(o.version).c_str());
  cJSON* arr = cJSON_AddArrayToObject(root.get(), "changed");
  for (const auto& k : o.changed) cJSON_AddItemToArray(arr, cJSON_CreateString(k.c_str()));
  if (!o.published) cJSON_AddBoolToObject(root.get(), "published", false);
  HttpResponse r = json_ok(200, json_print(root.get()));
  r.outcome = o.noop ? "noop" : "applied";
  return r;
}

HttpResponse Handlers::get_config(const HttpRequest& req) const {
  auto view = writer_->config();
  std::string etag = "\"" + std::to_string(view->version) + "\"";
  HttpResponse r;
  r.headers.push_back({"ETag", etag});
  r.headers.push_back({"Cache-Control", "no-cache"});
  std::string if_none_match = req.header("if-none-match");
  if (!if_none_match.empty() && none_match_hits(if_none_match, etag)) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.body = "{\"version\":\"" + std::to_string(view->version) + "\",\"config\":" + view->masked_json + "}\n";
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

HttpResponse Handlers::patch(const HttpRequest& req, const Actor& actor) const {
  JsonPtr root;
  const std::string shape = "{\"updates\":{KEY: value|null}, \"expected_version\"?: N}";
  if (auto bad = parse_body(req.body, {"updates", "expected_version"}, shape, &root)) return *bad;
  const cJSON* updates = cJSON_GetObjectItemCaseSensitive(root.get(), "updates");
  if (!cJSON_IsObject(updates)) return bad_request("bad_request", "\"updates\" must be an object of KEY: value|null");
  PatchRequest request;
  if (auto bad = parse_preconditions(req, root.get(), &request.pre)) return *bad;
  const cJSON* member;
  cJSON_ArrayForEach(member, updates) request.updates.emplace_back(member->string, member);
  request.actor = actor;
  return mutation_response(writer_->patch(request));
}

HttpResponse Handlers::reload(const HttpRequest&, const Actor& actor) const {
  return mutation_response(writer_->reload(ReloadRequest{actor}));
}

HttpResponse Handlers::rollback(const HttpRequest& req, const Actor& actor) const {
  JsonPtr root;
  const std::string shape = "{\"version\": N, \"expected_version\"?: N}";
  if (auto bad = parse_body(req.body, {"version", "expected_version"}, shape, &root)) return *bad;
  RollbackRequest request;
  std::optional<uint64_t> target = json_version(cJSON_GetObjectItemCaseSensitive(root.get(), "version"));
  if (!target) return bad_request("bad_request", "\"version\" must be a version number");
  if (auto bad = parse_preconditions(req, root.get(), &request.pre)) return *bad;
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
  r.body = metrics_->render(audit_->up());
  return r;
}

}  // namespace omega::settingsd
