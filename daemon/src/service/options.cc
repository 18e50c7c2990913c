// Flag table: one row per option, the same row drives argv, OMEGA_* env and --help.
#include "service/options.h"

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "redis_endpoint.h"

namespace omega::settingsd {
namespace {

struct Spec {
  const char* name;  // flag without "--"
  bool takes_value;
  const char* help;
  std::function<bool(Options*, const std::string&, std::string*)> set;
};

bool parse_int(const std::string& text, long min, long max, long* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(text.c_str(), &end, 10);
  if (errno || *end || v < min || v > max) return false;
  *out = v;
  return true;
}

std::function<bool(Options*, const std::string&, std::string*)> int_setter(int Options::*field, long min, long max) {
  return [=](Options* o, const std::string& v, std::string* err) {
    long n;
    if (!parse_int(v, min, max, &n)) {
      *err = "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
      return false;
    }
    o->*field = int(n);
    return true;
  };
}

std::function<bool(Options*, const std::string&, std::string*)> str_setter(std::string Options::*field) {
  return [=](Options* o, const std::string& v, std::string* err) {
    if (v.empty()) {
      *err = "must not be empty";
      return false;
    }
    o->*field = v;
    return true;
  };
}

bool split_listen(Options* o, const std::string& v, std::string* err) {
  size_t colon = v.rfind(':');
  long port;
  if (colon == std::string::npos || colon == 0 || !parse_int(v.substr(colon + 1), 0, 65535, &port)) {
    *err = "must be HOST:PORT (e.g. 127.0.0.1:9421)";
    return false;
  }
  std::string host = v.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  o->listen = v;
  o->listen_host = host;
  o->listen_port = int(port);
  return true;
}

const std::vector<Spec>& specs() {
  static const std::vector<Spec> table = {
      {"env", true, "canonical .env file", str_setter(&Options::env_path)},
      {"schema", true, "JSON Schema of the settings", str_setter(&Options::schema_path)},
      {"redis-url", true, "redis://[[user]:password@]host:port/db (default redis://127.0.0.1:6379/0)",
       [](Options* o, const std::string& v, std::string* err) {
         try {
           redis::parse_url(v);  // the one parser says what is wrong, never echoing a password
         } catch (const redis::UrlError& e) {
           *err = e.what();
           return false;
         }
         o->redis_url = v;
         o->redis_url_given = true;
         return true;
       }},
      {"redis-ca-file", true, "rediss://: trusted CA bundle (the URL's ssl_ca_certs; default: the system's)",
       str_setter(&Options::redis_ca_file)},
      {"redis-ca-dir", true, "rediss://: hashed CA directory (the URL's ssl_ca_path)",
       str_setter(&Options::redis_ca_dir)},
      {"redis-cert-file", true, "rediss://: client certificate for mutual TLS (the URL's ssl_certfile)",
       str_setter(&Options::redis_cert_file)},
      {"redis-key-file", true, "rediss://: its private key (the URL's ssl_keyfile)",
       str_setter(&Options::redis_key_file)},
      {"redis-server-name", true, "rediss://: SNI and the certificate name verified (default: the URL's host)",
       str_setter(&Options::redis_server_name)},
      {"listen", true, "HOST:PORT to serve on (default 127.0.0.1:9421, loopback)", split_listen},
      {"tls-cert", true, "serve HTTPS with this PEM certificate (chain) file; needs --tls-key",
       str_setter(&Options::tls_cert)},
      {"tls-key", true, "the PEM private key of --tls-cert", str_setter(&Options::tls_key)},
      {"allowed-host", true,
       "extra Host header name(s) to serve, comma-separated, repeatable (loopback names and the "
       "--listen host are always allowed; others get 421)",
       [](Options* o, const std::string& v, std::string* err) {
         size_t start = 0;
         while (start <= v.size()) {
           size_t comma = v.find(',', start);
           std::string name = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
           while (!name.empty() && name.back() == ' ') name.pop_back();
           while (!name.empty() && name.front() == ' ') name.erase(0, 1);
           if (name.empty() || name.find_first_of(" /\t") != std::string::npos) {
             *err = "must be host names separated by commas";
             return false;
           }
           o->allowed_hosts.push_back(name);
           if (comma == std::string::npos) break;
           start = comma + 1;
         }
         return true;
       }},
      {"audit-log", true, "append-only JSON-lines audit file (default <env>.audit.jsonl)",
       str_setter(&Options::audit_log)},
      {"audit-key-file", true, "key for hashing secret values in the audit (default <audit-log>.key)",
       str_setter(&Options::audit_key_file)},
      {"admin-token-file", true, "admin credentials, one `token` or `name:token` per line (>= 32 bytes)",
       str_setter(&Options::admin_token_file)},
      {"seal-key-file", true,
       "seal the schema's secrets in Redis: `ID:KEY` lines (KEY: openssl rand -base64 32), mode 0600; the "
       "first key seals, the others still open (rotation)",
       str_setter(&Options::seal_key_file)},
      {"read-auth", true,
       "none | admin: whether the read endpoints (GET /config, history, diff, blame, readers, schema) need a "
       "credential",
       [](Options* o, const std::string& v, std::string* err) {
         if (v != "none" && v != "admin") {
           *err = "must be none or admin";
           return false;
         }
         o->read_auth = v;
         return true;
       }},
      {"key-prefix", true, "namespace prefix for the Redis keys and channel (default none)",
       str_setter(&Options::key_prefix)},
      {"body-limit", true, "largest request body in bytes (default 65536)",
       [](Options* o, const std::string& v, std::string* err) {
         long n;
         if (!parse_int(v, 1, 16L << 20, &n)) {
           *err = "must be an integer in [1, 16777216]";
           return false;
         }
         o->body_limit = size_t(n);
         return true;
       }},
      {"max-connections", true, "concurrent connections (default 64)", int_setter(&Options::max_connections, 1, 10000)},
      {"per-ip-connections", true, "concurrent connections per address (default 16)",
       int_setter(&Options::per_ip_connections, 1, 10000)},
      {"idle-timeout", true, "seconds before an idle connection is closed (default 30)",
       int_setter(&Options::idle_timeout_s, 1, 3600)},
      {"request-timeout", true,
       "seconds a client has to send a request's headers and body, however slowly it trickles them "
       "(default 10)",
       int_setter(&Options::request_timeout_s, 1, 3600)},
      {"redis-timeout-ms", true, "deadline of each Redis command, and of the /readyz PING (default 2000)",
       int_setter(&Options::redis_timeout_ms, 10, 600000)},
      {"log-file", true, "append log lines here instead of stderr; reopened on SIGHUP (logrotate)",
       str_setter(&Options::log_file)},
      {"history", true,
       "versions kept (durably, in <env>.history.jsonl) for history, diff, blame and rollback (default 100)",
       int_setter(&Options::history_size, 1, 10000)},
      {"reconcile-interval-ms", true, "how often Redis is compared with the .env (default 1000)",
       int_setter(&Options::reconcile_interval_ms, 50, 600000)},
      {"min-replicas", true,
       "answer 200 only once this many replicas hold a change (WAIT); else 503, the .env keeps it (default 0)",
       int_setter(&Options::min_replicas, 0, 100)},
      {"min-replicas-timeout-ms", true, "how long to wait for --min-replicas (default 1000)",
       int_setter(&Options::min_replicas_timeout_ms, 1, 600000)},
      {"threads", true, "HTTP worker threads (default 2)", int_setter(&Options::threads, 1, 64)},
      {"validate-with", true,
       "CMD gets every candidate snapshot (secrets included) on stdin before it is written, and at start: "
       "exit 0 accepts, other exits refuse (422), a crash or timeout gives 503; e.g. \"python -m "
       "omega_config.validate pkg.settings:OMEGASettings\" (docs/daemon.md)",
       str_setter(&Options::validate_with)},
      {"validate-timeout-ms", true, "deadline for --validate-with, then its process group is killed (default 5000)",
       int_setter(&Options::validate_timeout_ms, 100, 600000)},
      {"check", false, "validate the .env against the schema (and --validate-with) and exit (0 = valid)",
       [](Options* o, const std::string&, std::string*) { return o->check = true; }},
      {"dev", false, "private redis-server, bundled examples, fresh admin token",
       [](Options* o, const std::string&, std::string*) { return o->dev = true; }},
      {"help", false, "this text", [](Options* o, const std::string&, std::string*) { return o->help = true; }},
      {"version", false, "print the version",
       [](Options* o, const std::string&, std::string*) { return o->version = true; }},
  };
  return table;
}

std::string env_name(const char* flag) {
  std::string out = "OMEGA_";
  for (const char* p = flag; *p; ++p) out += *p == '-' ? '_' : char(std::toupper((unsigned char)*p));
  return out;
}

bool truthy(const std::string& v) { return v == "1" || v == "true" || v == "yes" || v == "on"; }

}  // namespace

bool parse_options(int argc, char** argv, Options* out, std::vector<std::string>* errors) {
  std::vector<bool> from_flag(specs().size(), false);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      errors->push_back("unexpected argument '" + arg + "' (see --help)");
      continue;
    }
    std::string name = arg.substr(2), value;
    bool has_inline = false;
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      has_inline = true;
    }
    size_t idx = 0;
    for (; idx < specs().size(); ++idx)
      if (name == specs()[idx].name) break;
    if (idx == specs().size()) {
      errors->push_back("unknown option --" + name + " (see --help)");
      continue;
    }
    const Spec& s = specs()[idx];
    if (s.takes_value && !has_inline) {
      if (i + 1 >= argc) {
        errors->push_back("--" + name + " needs a value");
        continue;
      }
      value = argv[++i];
    } else if (!s.takes_value && has_inline) {
      errors->push_back("--" + name + " takes no value");
      continue;
    }
    std::string err;
    if (!s.set(out, value, &err)) errors->push_back("--" + name + " " + err);
    from_flag[idx] = true;
  }
  for (size_t idx = 0; idx < specs().size(); ++idx) {
    const Spec& s = specs()[idx];
    if (from_flag[idx]) continue;
    std::string var = env_name(s.name);
    const char* v = std::getenv(var.c_str());
    if (!v) continue;
    if (!s.takes_value) {
      if (truthy(v)) s.set(out, "", nullptr);
      continue;
    }
    std::string err;
    if (!s.set(out, v, &err)) errors->push_back(var + " " + err);
  }
  return errors->empty();
}

std::string usage_text() {
  std::string out =
      "usage: omega-settingsd --env FILE --schema FILE [--redis-url URL] [--listen HOST:PORT]\n"
      "                       [--audit-log FILE] [--admin-token-file FILE] [options]\n"
      "       omega-settingsd --check --env FILE --schema FILE\n"
      "       omega-settingsd --dev [--env FILE --schema FILE]\n\n"
      "The single writer of OMEGA settings: validates the canonical .env, publishes it to Redis,\n"
      "serves the admin HTTP API. Every flag can also be set by the environment variable shown.\n\n";
  for (const Spec& s : specs()) {
    std::string flag = std::string("  --") + s.name + (s.takes_value ? " VALUE" : "");
    flag.resize(std::max<size_t>(flag.size() + 1, 30), ' ');
    out += flag + s.help + "  [" + env_name(s.name) + "]\n";
  }
  return out;
}

std::vector<std::string> option_env_names() {
  std::vector<std::string> out;
  for (const Spec& s : specs()) out.push_back(env_name(s.name));
  return out;
}

}  // namespace omega::settingsd
