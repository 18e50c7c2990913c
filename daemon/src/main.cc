// omega-settingsd: parse options, validate everything at startup (naming every problem),
// seed Redis, serve the admin API until SIGINT/SIGTERM.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include <sodium.h>

#include "audit.h"
#include "auth.h"
#include "dev_mode.h"
#include "durable_file.h"
#include "failpoints.h"
#include "history.h"
#include "host_check.h"
#include "http_server.h"
#include "log.h"
#include "metrics.h"
#include "options.h"
#include "publisher.h"
#include "reconciler.h"
#include "routes.h"
#include "schema.h"
#include "writer.h"

#ifndef OMEGA_SETTINGSD_VERSION
#define OMEGA_SETTINGSD_VERSION "0.1.0"
#endif

using namespace omega::settingsd;

namespace {

// Names that hold admin credentials or configure the writer: never broadcast, never patched.
std::set<std::string> forbidden_keys() {
  std::set<std::string> out = {"ADMIN_TOKEN", "ADMIN_TOKENS", "ADMIN_TOKEN_FILE", "OMEGA_ADMIN_TOKEN",
                               "OMEGA_ADMIN_TOKENS", "OMEGA_HMAC_KEY", "HMAC_KEY", "SETTINGSD_ADMIN_TOKEN",
                               "OMEGA_SETTINGSD_ADMIN_TOKEN"};
  for (const auto &n : option_env_names()) out.insert(n);
  return out;
}

int fail(const std::vector<std::string> &problems) {
  for (const auto &p : problems) std::fprintf(stderr, "omega-settingsd: %s\n", p.c_str());
  return 1;
}

}  // namespace

int main(int argc, char **argv) {
  Options opts;
  std::vector<std::string> problems;
  if (!parse_options(argc, argv, &opts, &problems)) {
    fail(problems);
    std::fprintf(stderr, "(see omega-settingsd --help)\n");
    return 2;
  }
  if (opts.help) {
    std::fputs(usage_text().c_str(), stdout);
    return 0;
  }
  if (opts.version) {
    std::printf("omega-settingsd %s%s\n", OMEGA_SETTINGSD_VERSION, failpoints_compiled_in() ? " (failpoints)" : "");
    return 0;
  }
  if (sodium_init() < 0) return fail({"libsodium failed to initialise"});

  // Block the stop signals in every thread; main waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  DevSession dev;
  if (opts.dev && !opts.check) {
    std::string err;
    if (!dev_prepare(&opts, &dev, &err)) {
      dev_shutdown(&dev);
      return fail({err});
    }
  }
  if (opts.env_path.empty()) problems.push_back("--env FILE is required (or OMEGA_ENV; --dev uses the bundled example)");
  // Resolve a symlinked .env once, so writes replace the target, not the link. The version
  // mark and the default audit path stay beside the path as given.
  std::string env_real = opts.env_path;
  if (char *real = opts.env_path.empty() ? nullptr : realpath(opts.env_path.c_str(), nullptr)) {
    env_real = real;
    free(real);
  }
  if (opts.schema_path.empty()) problems.push_back("--schema FILE is required (or OMEGA_SCHEMA)");
  if (!problems.empty()) return dev_shutdown(&dev), fail(problems);

  std::string schema_text, err;
  Schema schema;
  if (!read_whole_file(opts.schema_path, &schema_text, &err)) return dev_shutdown(&dev), fail({"--schema: " + err});
  if (!Schema::parse(schema_text, &schema, &err)) return dev_shutdown(&dev), fail({opts.schema_path + ": " + err});
  std::set<std::string> forbidden = forbidden_keys();
  for (const auto &k : schema.keys())
    if (forbidden.count(k))
      problems.push_back(opts.schema_path + ": property " + k +
                         " names an admin credential or writer option; it cannot be a broadcast setting");
  if (!problems.empty()) return dev_shutdown(&dev), fail(problems);

  if (opts.check) {
    std::string text;
    omega::settingsd::EnvFile env;
    JsonPtr typed;
    if (!load_env(schema, opts.env_path, &text, &env, &typed, &problems)) {
      problems.insert(problems.begin(), opts.env_path + " is invalid:");
      return fail(problems);
    }
    std::printf("%s: valid (%d settings)\n", opts.env_path.c_str(), cJSON_GetArraySize(typed.get()));
    return 0;
  }

  {
    // Validate the .env now too, so one run names every problem: settings and credentials.
    std::string text;
    omega::settingsd::EnvFile env;
    JsonPtr typed;
    std::vector<std::string> env_problems;
    if (!load_env(schema, opts.env_path, &text, &env, &typed, &env_problems)) {
      problems.push_back(opts.env_path + " is invalid; refusing to start:");
      problems.insert(problems.end(), env_problems.begin(), env_problems.end());
    }
  }
  Auth auth;
  if (opts.admin_token_file.empty())
    problems.push_back("refusing to start without an admin credential: pass --admin-token-file FILE "
                       "(one `name:token` per line, tokens >= 32 bytes); there are no default credentials");
  else
    auth.load_file(opts.admin_token_file, &problems);
  RedisAddress redis_addr;
  if (!parse_redis_url(opts.redis_url, &redis_addr, &err)) problems.push_back("--redis-url: " + err);
  if (!problems.empty()) return dev_shutdown(&dev), fail(problems);

  if (opts.audit_log.empty()) opts.audit_log = opts.env_path + ".audit.jsonl";
  if (opts.audit_key_file.empty()) opts.audit_key_file = opts.audit_log + ".key";
  AuditLog audit;
  if (!audit.open(opts.audit_log, opts.audit_key_file, &err)) return dev_shutdown(&dev), fail({err});

  // A crash mid-write leaves "<file>.tmp-*" beside the .env and the version mark.
  int stale = remove_stale_temp_files(env_real) + remove_stale_temp_files(opts.env_path + ".version");
  if (stale) log_info("removed " + std::to_string(stale) + " stale temp file(s) left by an interrupted write");

  Metrics metrics;
  History history(size_t(opts.history_size));
  Publisher publisher(redis_addr, KeyNames::with_prefix(opts.key_prefix));
  Writer writer(env_real, opts.env_path, schema, &publisher, &audit, &history, &metrics, forbidden);
  if (!writer.load(&problems)) {
    problems.insert(problems.begin(), opts.env_path + " is invalid; refusing to start:");
    return dev_shutdown(&dev), fail(problems);
  }
  writer.boot();

  Routes routes(&writer, &auth, &audit, &metrics, opts.read_auth == "admin");
  ServerLimits limits{opts.body_limit, opts.max_connections, opts.per_ip_connections, opts.idle_timeout_s, opts.threads};
  HostCheck hosts(opts.listen_host, opts.allowed_hosts);
  HttpServer server(
      limits,
      [&routes, &hosts](HttpRequest &r) {
        if (!hosts.allowed(r.header("host"), r.headers.count("host") > 0))
          return json_error(421, "misdirected_request",
                            "this Host is not served (DNS rebinding guard); add it with --allowed-host");
        return routes.handle(r);
      },
      &metrics);
  if (!server.start(opts.listen_host, opts.listen_port, &err)) return dev_shutdown(&dev), fail({err});
  Reconciler reconciler(&writer, opts.reconcile_interval_ms);
  reconciler.start();
  log_info("serving on " + opts.listen_host + ":" + std::to_string(server.port()) + ", version " +
           std::to_string(writer.version()) + ", " + std::to_string(auth.credential_count()) + " admin credential(s)");
  if (opts.dev) dev_print_banner(opts, dev, server.port());

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log_info(std::string("stopping on ") + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
  server.stop();
  reconciler.stop();
  dev_shutdown(&dev);
  return 0;
}
