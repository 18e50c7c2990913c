// One handler per route: each parses what its request carries (body, If-Match,
// If-None-Match, query), asks the writer in domain terms, and builds the response. The route
// table (routes.h) decides who may call them.
#pragma once

#include "http/message.h"
#include "service/metrics.h"
#include "store/audit_log.h"
#include "store/history.h"
#include "store/redis_health.h"
#include "writer/writer.h"

namespace omega::settingsd {

class Handlers {
 public:
  Handlers(Writer* writer, History* history, AuditLog* audit, Metrics* metrics, RedisHealth* redis)
      : writer_(writer), history_(history), audit_(audit), metrics_(metrics), redis_(redis) {}

  HttpResponse get_config(const HttpRequest& req) const;
  HttpResponse history(const HttpRequest& req) const;
  HttpResponse patch(const HttpRequest& req, const Actor& actor) const;
  HttpResponse reload(const HttpRequest& req, const Actor& actor) const;
  HttpResponse rollback(const HttpRequest& req, const Actor& actor) const;
  HttpResponse healthz() const;
  HttpResponse readyz() const;
  HttpResponse metrics() const;

 private:
  Writer* writer_;
  History* history_;
  AuditLog* audit_;
  Metrics* metrics_;
  RedisHealth* redis_;
};

// The answer to a mutation: 200 {"version","changed"} or the refusal's status and code.
HttpResponse mutation_response(const MutationOutcome& outcome);

}  // namespace omega::settingsd
