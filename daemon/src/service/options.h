// Command-line flags and their OMEGA_* environment variables.
//
// Every flag --some-name also reads OMEGA_SOME_NAME; the flag wins. Parsing checks each
// value's shape (ports, sizes) and reports every problem at once.
#pragma once

#include <string>
#include <vector>

namespace omega::settingsd {

struct Options {
  std::string env_path;     // --env: the canonical .env
  std::string schema_path;  // --schema: JSON Schema of the settings
  std::string redis_url = "redis://127.0.0.1:6379/0";
  // TLS overrides of the URL's ssl_* parameters; "" = as the URL says.
  std::string redis_ca_file, redis_ca_dir, redis_cert_file, redis_key_file, redis_server_name;
  std::string listen = "127.0.0.1:9421";
  std::string listen_host = "127.0.0.1";
  int listen_port = 9421;
  std::string tls_cert;  // --tls-cert: serve HTTPS
  std::string tls_key;
  std::string audit_log;                   // default: <env>.audit.jsonl
  std::string audit_key_file;              // keyed hash of secret values; default: <audit>.key (created)
  std::string admin_token_file;            // `token` or `name:token` lines
  std::string seal_key_file;               // `ID:KEY` lines: seal secrets in Redis (first key seals)
  std::string read_auth = "none";          // GET /config, /config/history: "none" or "admin"
  std::vector<std::string> allowed_hosts;  // --allowed-host: extra Host names to serve
  std::string key_prefix;                  // namespace: prefixes the Redis key and channel names
  size_t body_limit = 64 * 1024;
  int max_connections = 64;
  int per_ip_connections = 16;
  int idle_timeout_s = 30;
  int request_timeout_s = 10;  // headers + body, in total
  int redis_timeout_ms = 2000;
  std::string log_file;  // "" = stderr
  int history_size = 100;
  int reconcile_interval_ms = 1000;
  int min_replicas = 0;                // acknowledge a mutation only once this many replicas hold it
  int min_replicas_timeout_ms = 1000;  // how long WAIT may take
  int threads = 2;
  std::string validate_with;       // --validate-with: command that has the last word (may be empty)
  int validate_timeout_ms = 5000;  // its deadline
  bool check = false;              // validate and exit
  bool dev = false;                // private redis-server + bundled examples + fresh token
  bool help = false;
  bool version = false;

  // Names given explicitly (flag or env), so --dev knows what to fill in.
  bool redis_url_given = false;
};

// Parses argv then the environment. Returns false with every problem in *errors.
bool parse_options(int argc, char** argv, Options* out, std::vector<std::string>* errors);

// The --help text.
std::string usage_text();

// Environment variable names the daemon reads (a patch may not set these: they configure
// the writer, and some name its credentials).
std::vector<std::string> option_env_names();

}  // namespace omega::settingsd
