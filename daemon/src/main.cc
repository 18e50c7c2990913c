// omega-settingsd: parse options, validate everything at startup (naming every problem),
// seed Redis, serve the admin API until SIGINT/SIGTERM.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <sodium.h>

#include "atomic_file.h"
#include "http/auth.h"
#include "http/handlers.h"
#include "http/host_check.h"
#include "http/routes.h"
#include "http/server.h"
#include "model/schema.h"
#include "model/validated_env.h"
#include "node_choice.h"
#include "service/dev_mode.h"
#include "service/failpoints.h"
#include "service/log.h"
#include "service/metrics.h"
#include "service/options.h"
#include "service/sd_notify.h"
#include "store/audit_log.h"
#include "store/fleet_probe.h"
#include "store/history.h"
#include "store/publisher.h"
#include "store/redis_health.h"
#include "store/revert_schedule.h"
#include "store/snapshot_sealer.h"
#include "tls_context.h"
#include "writer/external_validator.h"
#include "writer/reconciler.h"
#include "writer/writer.h"

using namespace omega::settingsd;

namespace {

// Names that hold admin credentials or configure the writer: never broadcast, never patched.
std::set<std::string> forbidden_keys() {
  std::set<std::string> out = {"ADMIN_TOKEN",       "ADMIN_TOKENS",          "ADMIN_TOKEN_FILE",
                               "OMEGA_ADMIN_TOKEN", "OMEGA_ADMIN_TOKENS",    "OMEGA_HMAC_KEY",
                               "HMAC_KEY",          "SETTINGSD_ADMIN_TOKEN", "OMEGA_SETTINGSD_ADMIN_TOKEN"};
  for (const auto& n : option_env_names()) out.insert(n);
  return out;
}

int fail(const std::vector<std::string>& problems) {
  for (const auto& p : problems) std::fprintf(stderr, "omega-settingsd: %s\n", p.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
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
  install_failpoints();

  // Block the signals main handles in every thread; main waits for them with sigwait. A write
  // past `ulimit -f` or to a closed socket must fail with an error, not kill the process.
  sigset_t handled;
  sigemptyset(&handled);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&handled, s);
  sigprocmask(SIG_BLOCK, &handled, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);
  if (!opts.log_file.empty()) {
    std::string err;
    if (!redirect_log(opts.log_file, &err)) return fail({"--log-file: " + err});
  }

  DevSession dev;
  if (opts.dev && !opts.check) {
    std::string err;
    if (!dev_prepare(&opts, &dev, &err)) {
      dev_shutdown(&dev);
      return fail({err});
    }
  }
  if (opts.env_path.empty())
    problems.push_back("--env FILE is required (or OMEGA_ENV; --dev uses the bundled example)");
  // Resolve a symlinked .env once, so writes replace the target, not the link. The version
  // mark and the default audit path stay beside the path as given.
  std::string env_real = opts.env_path;
  if (char* real = opts.env_path.empty() ? nullptr : realpath(opts.env_path.c_str(), nullptr)) {
    env_real = real;
    free(real);
  }
  if (opts.schema_path.empty()) problems.push_back("--schema FILE is required (or OMEGA_SCHEMA)");
  if (!problems.empty()) return dev_shutdown(&dev), fail(problems);

  std::string schema_text, err;
  Schema schema;
  if (!omega::fs::read_file(opts.schema_path, &schema_text, &err))
    return dev_shutdown(&dev), fail({"--schema: " + err});
  if (!Schema::parse(schema_text, &schema, &err)) return dev_shutdown(&dev), fail({opts.schema_path + ": " + err});
  std::set<std::string> forbidden = forbidden_keys();
  for (const auto& k : schema.keys())
    if (forbidden.count(k))
      problems.push_back(opts.schema_path + ": property " + k +
                         " names an admin credential or writer option; it cannot be a broadcast setting");
  if (!problems.empty()) return dev_shutdown(&dev), fail(problems);

  // Validate the .env now, so one run names every problem: settings and credentials. The
  // team's validator, if any, has the last word here too: a .env it refuses never starts.
  std::unique_ptr<ExternalValidator> validator;
  if (!opts.validate_with.empty())
    validator = std::make_unique<ExternalValidator>(
        opts.validate_with, std::chrono::milliseconds(opts.validate_timeout_ms), option_env_names());
  // The seal key file, checked in --check too: a bad one must not surface only at deploy time.
  std::unique_ptr<SnapshotSealer> sealer;
  std::vector<std::string> seal_problems;
  if (!opts.seal_key_file.empty()) {
    try {
      sealer = std::make_unique<SnapshotSealer>(omega::seal::Keyring::load(opts.seal_key_file),
                                                [schema](std::string_view key) { return schema.is_secret(key); });
    } catch (const omega::seal::SealError& e) {
      seal_problems.push_back(std::string("--seal-key-file: ") + e.what() + "; nothing was published");
    }
  }
  ValidatedEnv env;
  std::vector<Problem> env_problems;
  bool env_ok = load_validated_env(schema, opts.env_path, &env, &env_problems);
  if (env_ok && validator) {
    ValidatorVerdict verdict = validator->check(schema, env.typed.get(), env.snapshot);
    if (!verdict.accepted()) {
      env_ok = false;
      env_problems = verdict.problems;
      if (env_problems.empty())
        env_problems.push_back({"", verdict.message});
      else
        env_problems.insert(env_problems.begin(), {"", "the validator (--validate-with) refused it:"});
    }
  }
  if (opts.check) {
    if (!env_ok) {
      problems = describe(env_problems);
      problems.insert(problems.begin(), opts.env_path + " is invalid:");
    }
    problems.insert(problems.end(), seal_problems.begin(), seal_problems.end());
    if (!problems.empty()) return fail(problems);
    std::printf("%s: valid (%d settings)%s\n", opts.env_path.c_str(), cJSON_GetArraySize(env.typed.get()),
                sealer ? (", secrets sealed with key '" + sealer->key_id() + "'").c_str() : "");
    return 0;
  }
  problems.insert(problems.end(), seal_problems.begin(), seal_problems.end());
  if (!env_ok) {
    problems.push_back(opts.env_path + " is invalid; refusing to start:");
    for (auto& p : describe(env_problems)) problems.push_back(std::move(p));
  }
  Auth auth;
  if (opts.admin_token_file.empty())
    problems.push_back(
        "refusing to start without an admin credential: pass --admin-token-file FILE "
        "(one `name:token` per line, tokens >= 32 bytes); there are no default credentials");
  else
    auth.load_file(opts.admin_token_file, &problems);
  omega::redis::Endpoint redis_endpoint;
  try {
    redis_endpoint = omega::redis::parse_url(opts.redis_url);
    omega::redis::TlsSettings& tls = redis_endpoint.tls;
    for (auto [flag, field] : {std::pair{&opts.redis_ca_file, &tls.ca_file},
                               {&opts.redis_ca_dir, &tls.ca_dir},
                               {&opts.redis_cert_file, &tls.cert_file},
                               {&opts.redis_key_file, &tls.key_file},
                               {&opts.redis_server_name, &tls.server_name}})
      if (!flag->empty()) *field = *flag;
    omega::redis::prepare_tls(&redis_endpoint);
    omega::wire::Names names = omega::wire::Names::with_prefix(opts.key_prefix);
    std::string slots = omega::redis::cluster_slot_problem(redis_endpoint, names.config, names.version, names.meta);
    if (!slots.empty()) problems.push_back("--redis-url: " + slots);
  } catch (const omega::redis::UrlError& e) {
    problems.push_back(std::string("--redis-url: ") + e.what());
  } catch (const omega::redis::TlsConfigError& e) {
    problems.push_back(e.what());
  }
  std::string tls_cert_pem, tls_key_pem;
  if (opts.tls_cert.empty() != opts.tls_key.empty())
    problems.push_back("--tls-cert and --tls-key go together (HTTPS needs both)");
  else if (!opts.tls_cert.empty() && (!omega::fs::read_file(opts.tls_cert, &tls_cert_pem, &err, 1 << 20) ||
                                      !omega::fs::read_file(opts.tls_key, &tls_key_pem, &err, 1 << 20)))
    problems.push_back("HTTPS: " + err);
  if (!problems.empty()) return dev_shutdown(&dev), fail(problems);

  if (opts.audit_log.empty()) opts.audit_log = opts.env_path + ".audit.jsonl";
  if (opts.audit_key_file.empty()) opts.audit_key_file = opts.audit_log + ".key";
  AuditLog audit;
  size_t torn = 0;
  if (!audit.open(opts.audit_log, opts.audit_key_file, &err, &torn)) return dev_shutdown(&dev), fail({err});
  if (torn)
    log_warn("cut " + std::to_string(torn) + " bytes of a torn last record from the audit log " + opts.audit_log +
             " (an append interrupted by a crash or a full disk)");

  // A crash mid-write leaves "<file>.tmp-*" beside the .env and the version mark.
  // Beside the .env as given, like the version mark: the durable history and the schedule of
  // reverts (both 0600: they hold .env values).
  const std::string history_path = opts.env_path + ".history.jsonl", reverts_path = opts.env_path + ".reverts.json";
  int stale = omega::fs::remove_stale_temp_files(env_real) +
              omega::fs::remove_stale_temp_files(opts.env_path + ".version") +
              omega::fs::remove_stale_temp_files(history_path) + omega::fs::remove_stale_temp_files(reverts_path);
  if (stale) log_info("removed " + std::to_string(stale) + " stale temp file(s) left by an interrupted write");

  Metrics metrics;
  History history(static_cast<size_t>(opts.history_size));
  size_t torn_history = 0;
  if (!history.open(history_path, &err, &torn_history)) return dev_shutdown(&dev), fail({err});
  if (torn_history)
    log_warn("cut " + std::to_string(torn_history) + " bytes of a torn last record from " + history_path);
  RevertSchedule reverts;
  if (!reverts.open(reverts_path, &err)) return dev_shutdown(&dev), fail({err});
  const std::chrono::milliseconds redis_timeout(opts.redis_timeout_ms);
  Publisher publisher(redis_endpoint, omega::wire::Names::with_prefix(opts.key_prefix), redis_timeout);
  Writer writer(env_real, opts.env_path, schema,
                Writer::Stores{&publisher, &audit, &history, &metrics, &reverts, sealer.get()}, forbidden,
                validator.get());
  writer.require_replicas(opts.min_replicas, std::chrono::milliseconds(opts.min_replicas_timeout_ms));
  if (!writer.load(&problems)) {
    problems.insert(problems.begin(), opts.env_path + " is invalid; refusing to start:");
    return dev_shutdown(&dev), fail(problems);
  }
  if (!writer.boot(&err)) return dev_shutdown(&dev), fail({"refusing to start: " + err});
  writer.run_due_reverts();  // those that came due while the daemon was down

  RedisHealth redis_health(redis_endpoint, publisher.names().config, redis_timeout);
  FleetProbe fleet(redis_endpoint, publisher.names().config, std::min(redis_timeout, std::chrono::milliseconds(1000)));
  Handlers handlers(&writer, &history, &audit, &metrics, &redis_health, &fleet, schema_text);
  Routes routes(&handlers, &auth, &metrics, opts.read_auth == "admin");
  ServerLimits limits{opts.body_limit,
                      opts.max_connections,
                      opts.per_ip_connections,
                      opts.idle_timeout_s,
                      opts.request_timeout_s,
                      opts.threads,
                      {"/healthz", "/readyz", "/metrics"},
                      tls_cert_pem,
                      tls_key_pem};
  HostCheck hosts(opts.listen_host, opts.allowed_hosts);
  HttpServer server(
      limits,
      [&routes, &hosts](HttpRequest& r) {
        if (auto refused = hosts.refuse(r, r.version)) return *refused;
        return routes.handle(r);
      },
      [&routes](const HttpRequest& req, const HttpResponse& resp) { routes.observe(req, resp); });
  writer.on_new_version([&server] { server.wake_deferred(); });  // long polls answer
  if (!server.start(opts.listen_host, opts.listen_port, &err)) return dev_shutdown(&dev), fail({err});
  // Type=notify: READY=1 once Redis holds the .env's snapshot (now, or after a reconcile pass).
  SystemdNotifier systemd;
  auto ready_once_seeded = [&] {
    if (writer.seeded()) systemd.ready("serving version " + std::to_string(writer.version()));
  };
  Reconciler reconciler(&writer, opts.reconcile_interval_ms, ready_once_seeded);
  reconciler.start();
  ready_once_seeded();
  log_info(std::string("serving ") + (tls_cert_pem.empty() ? "HTTP" : "HTTPS") + " on " + opts.listen_host + ":" +
           std::to_string(server.port()) + ", version " + std::to_string(writer.version()) + ", " +
           std::to_string(auth.credential_count()) + " admin credential(s)" +
           (sealer ? ", secrets sealed in Redis with key '" + sealer->key_id() + "' (" + sealer->keys().source() +
                         " opens " + sealer->keys().ids() + ")"
                   : ""));
  if (opts.dev) dev_print_banner(opts, dev, server.port());

  for (int sig = 0; sigwait(&handled, &sig) == 0 && sig == SIGHUP;) {
    // logrotate moved the files away: write to new ones from now on.
    systemd.reloading();
    std::string log_err, audit_err;
    bool log_ok = opts.log_file.empty() || redirect_log(opts.log_file, &log_err);
    bool audit_ok = audit.reopen(&audit_err);
    if (log_ok && audit_ok)
      log_info("SIGHUP: reopened " + (opts.log_file.empty() ? std::string() : "the log file and ") + "the audit log " +
               opts.audit_log);
    else
      log_error("SIGHUP: " + log_err + (log_err.empty() || audit_err.empty() ? "" : "; ") + audit_err);
    systemd.reloaded();
  }
  systemd.stopping();
  log_info("stopping: finishing the requests in flight");
  server.stop();
  reconciler.stop();
  dev_shutdown(&dev);
  return 0;
}
