// Route table and the thin handlers that adapt HTTP to the writer (see routes.h).
#include "routes.h"

#include <ctime>

namespace omega::settingsd {
namespace {

bool is_json_content_type(const std::string &ct) {
  std::string media = ct.substr(0, ct.find(';'));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  for (auto &c : media) c = char(std::tolower((unsigned char)c));
  return media == "application/json";
}

}  // namespace

Routes::Routes(Writer *writer, Auth *auth, AuditLog *audit, Metrics *metrics, bool read_needs_auth)
    : writer_(writer), auth_(auth), audit_(audit), metrics_(metrics), read_needs_auth_(read_needs_auth) {
  table_ = {
      {"GET", "/config", Access::read,
       [this](HttpRequest &r, const Actor &) { return writer_->get_config(r.header("if-none-match")); }},
      {"POST", "/config/patch", Access::admin,
       [this](HttpRequest &r, const Actor &a) { return writer_->patch(r.body, r.header("if-match"), a); }},
      {"POST", "/config/reload", Access::admin, [this](HttpRequest &, const Actor &a) { return writer_->reload(a); }},
      {"GET", "/config/history", Access::read,
       [this](HttpRequest &r, const Actor &) {
         size_t limit = 100;
         auto it = r.query.find("limit");
         if (it != r.query.end()) {
           char *end = nullptr;
           long v = std::strtol(it->second.c_str(), &end, 10);
           if (it->second.empty() || *end || v < 1 || v > 10000)
             return json_error(400, "bad_request", "limit must be an integer from 1 to 10000");
           limit = size_t(v);
         }
         return writer_->history(limit);
       }},
      {"POST", "/config/rollback", Access::admin,
       [this](HttpRequest &r, const Actor &a) { return writer_->rollback(r.body, r.header("if-match"), a); }},
      {"GET", "/healthz", Access::open,
       [](HttpRequest &, const Actor &) { return json_ok(200, "{\"status\":\"ok\"}"); }},
      {"GET", "/readyz", Access::open,
       [this](HttpRequest &, const Actor &) {
         bool redis = metrics_->redis_up(), audit = audit_->up(), conflict = metrics_->write_conflict();
         std::string state = std::string("{\"redis\":") + (redis ? "true" : "false") + ",\"audit\":" +
                             (audit ? "true" : "false") + ",\"write_conflict\":" + (conflict ? "true" : "false");
         if (redis && audit && !conflict) return json_ok(200, state + ",\"ready\":true}");
         const char *why = !redis ? "Redis is not reachable"
                           : !audit ? "the audit log is not writable"
                                    : "Redis holds a newer version from another writer";
         return json_ok(503, state + ",\"ready\":false,\"error\":\"not_ready\",\"message\":\"" + why + "\"}");
       }},
      {"GET", "/metrics", Access::open,
       [this](HttpRequest &, const Actor &) {
         HttpResponse r;
         r.content_type = "text/plain; version=0.0.4; charset=utf-8";
         r.body = metrics_->render(audit_->up());
         return r;
       }},
  };
}

HttpResponse Routes::handle(HttpRequest &req) {
  std::string method = req.method == "HEAD" ? "GET" : req.method;
  const Route *route = nullptr;
  std::string allow;
  for (const Route &r : table_) {
    if (req.path != r.path) continue;
    allow += std::string(allow.empty() ? "" : ", ") + r.method + (std::string(r.method) == "GET" ? ", HEAD" : "");
    if (method == r.method) route = &r;
  }
  if (allow.empty()) return json_error(404, "not_found", "no such endpoint: " + req.path);
  if (!route) {
    HttpResponse r = json_error(405, "method_not_allowed", req.method + " is not allowed on " + req.path);
    r.headers.push_back({"Allow", allow});
    return r;
  }
  bool is_patch = req.path == "/config/patch";
  Actor actor{"anonymous", req.request_id, req.source};
  if (route->access == Access::admin || (route->access == Access::read && read_needs_auth_)) {
    AuthResult a = auth_->check(req.method, req.path, req.header("authorization"), req.body, int64_t(std::time(nullptr)));
    if (!a.ok) {
      if (is_patch) metrics_->count_patch("unauthorized");
      HttpResponse r = json_error(a.code == "rate_limited" ? 429 : 401, a.code, a.message);
      r.headers.push_back({"WWW-Authenticate", "Bearer realm=\"omega-settingsd\""});
      return r;
    }
    actor.name = a.actor;
  }
  if (route->access == Access::admin && !req.body.empty() && !is_json_content_type(req.header("content-type"))) {
    if (is_patch) metrics_->count_patch("bad_request");
    return json_error(415, "unsupported_media_type", "send the body as Content-Type: application/json");
  }
  if ((is_patch || req.path == "/config/rollback") && req.body.empty() &&
      !is_json_content_type(req.header("content-type"))) {
    if (is_patch) metrics_->count_patch("bad_request");
    return json_error(415, "unsupported_media_type", "send the body as Content-Type: application/json");
  }
  return route->run(req, actor);
}

}  // namespace omega::settingsd
