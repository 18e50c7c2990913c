// One handler per route: each parses what its request carries (body, If-Match,
// If-None-Match, query), asks the writer in domain terms, and builds the response. The route
// table (routes.h) decides who may call them.
#pragma once

#include "http/message.h"
#include "service/metrics.h"
#include "store/audit_log.h"
#include "store/fleet_probe.h"
#include "store/history.h"
#include "store/redis_health.h"
#include "writer/writer.h"

namespace omega::settingsd {

class Handlers {
 public:
  // schema_text: the settings schema as loaded (GET /config/schema answers it byte for byte).
  Handlers(Writer* writer, History* history, AuditLog* audit, Metrics* metrics, RedisHealth* redis, FleetProbe* fleet,
           std::string schema_text)
      : writer_(writer),
        history_(history),
        audit_(audit),
        metrics_(metrics),
        redis_(redis),
        fleet_(fleet),
        schema_text_(std::move(schema_text)) {}

  // GET /config; with ?wait=S and an If-None-Match naming the current version, a long poll
  // (a deferred answer: 200 as soon as a new version is installed, 304 after S seconds).
  HttpResponse get_config(const HttpRequest& req) const;
  HttpResponse history(const HttpRequest& req) const;
  HttpResponse diff(const HttpRequest& req) const;
  HttpResponse blame(const HttpRequest& req) const;
  HttpResponse readers(const HttpRequest& req) const;
  HttpResponse schema(const HttpRequest& req) const;
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
  FleetProbe* fleet_;
  std::string schema_text_;
};

// The answer to a mutation: 200 {"version","changed","published"?,"subscribers"?,"revert_at"?},
// a dry run's 200 {"dry_run":true,"version","changes"}, or the refusal's status and code.
HttpResponse mutation_response(const MutationOutcome& outcome);

}  // namespace omega::settingsd
