// The route table: one row per (method, path) with its access level, its metric label and
// its handler, in the style of GNU Taler's exchange. A known path with the wrong method gets
// 405 + Allow; errors are JSON with stable codes. Every answer, including those the server
// glue gives before routing (413, 400), passes through observe(), which counts it once. The
// console's files (/ui, console.h) are rows too, open to all: GET and HEAD only, and an
// unknown file is a 404 like any other path.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/auth.h"
#include "http/handlers.h"
#include "http/message.h"
#include "service/metrics.h"

namespace omega::settingsd {

class Routes {
 public:
  Routes(Handlers* handlers, Auth* auth, Metrics* metrics, bool read_needs_auth);
  HttpResponse handle(HttpRequest& req);
  // Counts an answer (HTTP status; and the mutation outcome for mutating routes).
  void observe(const HttpRequest& req, const HttpResponse& resp);

 private:
  enum class Access { kOpen, kRead, kAdmin };
  struct Route {
    const char* method;
    std::string path;
    Access access;
    const char* action;  // patch | reload | rollback: counted per outcome; nullptr otherwise
    std::function<HttpResponse(const HttpRequest&, const Actor&)> run;
  };
  const Route* find(const std::string& path, const std::string& method) const;

  std::vector<Route> table_;
  Auth* auth_;
  Metrics* metrics_;
  bool read_needs_auth_;
};

}  // namespace omega::settingsd
