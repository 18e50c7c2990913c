// The route table: one row per (method, path) with its auth level and handler, in the style
// of GNU Taler's exchange. A known path with the wrong method gets 405 + Allow; errors are
// JSON with stable codes.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "auth.h"
#include "http_types.h"
#include "writer.h"

namespace omega::settingsd {

class Routes {
 public:
  Routes(Writer *writer, Auth *auth, AuditLog *audit, Metrics *metrics, bool read_needs_auth);
  HttpResponse handle(HttpRequest &req);

 private:
  enum class Access { open, read, admin };
  struct Route {
    const char *method;
    const char *path;
    Access access;
    std::function<HttpResponse(HttpRequest &, const Actor &)> run;
  };
  std::vector<Route> table_;
  Writer *writer_;
  Auth *auth_;
  AuditLog *audit_;
  Metrics *metrics_;
  bool read_needs_auth_;
};

}  // namespace omega::settingsd
