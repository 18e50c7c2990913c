#include "http/routes.h"

#include <cctype>
#include <ctime>

#include "http/console.h"

namespace omega::settingsd {
namespace {

bool is_json_content_type(const std::string& ct) {
  std::string media = ct.substr(0, ct.find(';'));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  for (auto& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return media == "application/json";
}

// The outcome label of an answer that carries none: from its status.
std::string outcome_from_status(int status) {
  switch (status) {
    case 400:
    case 405:
    case 415: return "bad_request";
    case 401:
    case 429: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 409:
    case 412: return "conflict";
    case 413: return "too_large";
    case 422: return "invalid";
    case 503: return "unavailable";
    default: return status >= 500 ? "error" : "applied";
  }
}

// The path as it may be echoed in a JSON message: printable ASCII only (a %-decoded path may
// hold any byte, and invalid UTF-8 would make the error body invalid JSON).
std::string printable(const std::string& s) {
  std::string out = s.substr(0, 200);
  for (auto& c : out)
    if (c < 0x20 || c > 0x7e) c = '?';
  return out;
}

}  // namespace

Routes::Routes(Handlers* h, Auth* auth, Metrics* metrics, bool read_needs_auth)
    : auth_(auth), metrics_(metrics), read_needs_auth_(read_needs_auth) {
  using R = const HttpRequest&;
  using A = const Actor&;
  table_ = {
      {"GET", "/config", Access::kRead, nullptr, [h](R r, A) { return h->get_config(r); }},
      {"POST", "/config/patch", Access::kAdmin, "patch", [h](R r, A a) { return h->patch(r, a); }},
      {"POST", "/config/reload", Access::kAdmin, "reload", [h](R r, A a) { return h->reload(r, a); }},
      {"GET", "/config/history", Access::kRead, nullptr, [h](R r, A) { return h->history(r); }},
      {"POST", "/config/rollback", Access::kAdmin, "rollback", [h](R r, A a) { return h->rollback(r, a); }},
      {"GET", "/config/diff", Access::kRead, nullptr, [h](R r, A) { return h->diff(r); }},
      {"GET", "/config/blame", Access::kRead, nullptr, [h](R r, A) { return h->blame(r); }},
      {"GET", "/config/readers", Access::kRead, nullptr, [h](R r, A) { return h->readers(r); }},
      {"GET", "/config/schema", Access::kRead, nullptr, [h](R r, A) { return h->schema(r); }},
      {"GET", "/healthz", Access::kOpen, nullptr, [h](R, A) { return h->healthz(); }},
      {"GET", "/readyz", Access::kOpen, nullptr, [h](R, A) { return h->readyz(); }},
      {"GET", "/metrics", Access::kOpen, nullptr, [h](R, A) { return h->metrics(); }},
  };
  // The console's page and files: static, so open (the page sends the token itself).
  for (const auto& [url, asset] : console_urls())
    table_.push_back({"GET", url, Access::kOpen, nullptr, [a = asset](R r, A) { return console_file(*a, r); }});
}

const Routes::Route* Routes::find(const std::string& path, const std::string& method) const {
  for (const Route& r : table_)
    if (path == r.path && method == r.method) return &r;
  return nullptr;
}

HttpResponse Routes::handle(HttpRequest& req) {
  std::string method = req.method == "HEAD" ? "GET" : req.method;
  const Route* route = find(req.path, method);
  if (!route) {
    std::string allow;
    for (const Route& r : table_)
      if (req.path == r.path)
        allow += std::string(allow.empty() ? "" : ", ") + r.method + (std::string(r.method) == "GET" ? ", HEAD" : "");
    if (allow.empty()) return json_error(404, "not_found", "no such endpoint: " + printable(req.path));
    HttpResponse r =
        json_error(405, "method_not_allowed", printable(req.method) + " is not allowed on " + printable(req.path));
    r.headers.push_back({"Allow", allow});
    return r;
  }
  Actor actor{"anonymous", req.request_id, req.source};
  if (route->access == Access::kAdmin || (route->access == Access::kRead && read_needs_auth_)) {
    AuthResult a = auth_->check(req.method, req.path, req.header("authorization"), req.body,
                                static_cast<int64_t>(std::time(nullptr)));
    if (!a.ok) {
      HttpResponse r = json_error(a.code == "rate_limited" ? 429 : 401, a.code, a.message);
      r.headers.push_back({"WWW-Authenticate", "Bearer realm=\"omega-settingsd\""});
      return r;
    }
    actor.name = a.actor;
  }
  // A mutation's body is JSON, declared as such (a form post from a browser is not).
  bool needs_json = route->action && (!req.body.empty() || std::string(route->action) != "reload");
  if (needs_json && !is_json_content_type(req.header("content-type")))
    return json_error(415, "unsupported_media_type", "send the body as Content-Type: application/json");
  return route->run(req, actor);
}

void Routes::observe(const HttpRequest& req, const HttpResponse& resp) {
  metrics_->count_http(resp.status);
  std::string method = req.method == "HEAD" ? "GET" : req.method;
  const Route* route = find(req.path, method);
  if (route && route->action)
    metrics_->count_mutation(route->action, resp.outcome.empty() ? outcome_from_status(resp.status) : resp.outcome);
}

}  // namespace omega::settingsd
