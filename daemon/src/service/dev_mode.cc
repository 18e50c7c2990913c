// Dev-mode setup and teardown (see dev_mode.h).
#include "service/dev_mode.h"

#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "atomic_file.h"
#include "digest.h"
#include "redis_connection.h"

namespace omega::settingsd {
namespace {

bool exists(const std::string& p) {
  struct stat st;
  return !p.empty() && stat(p.c_str(), &st) == 0;
}

std::string examples_dir() {
  const char* candidates[] = {std::getenv("OMEGA_EXAMPLES_DIR"), OMEGA_EXAMPLES_DIR, OMEGA_INSTALLED_EXAMPLES_DIR};
  for (const char* candidate : candidates)
    if (candidate && exists(std::string(candidate) + "/omega.env")) return candidate;
  return "";
}

int free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

std::string find_redis_server() {
  if (const char* p = std::getenv("OMEGA_REDIS_SERVER")) return p;
  for (const char* p : {"/usr/bin/redis-server", "/usr/local/bin/redis-server"})
    if (exists(p)) return p;
  return "redis-server";
}

}  // namespace

bool dev_prepare(Options* opts, DevSession* dev, std::string* error) {
  char tmpl[] = "/tmp/omega-settingsd-dev-XXXXXX";
  if (!mkdtemp(tmpl)) {
    *error = std::string("cannot create a scratch directory: ") + std::strerror(errno);
    return false;
  }
  dev->dir = tmpl;
  if (opts->env_path.empty() || opts->schema_path.empty()) {
    std::string ex = examples_dir();
    if (ex.empty()) {
      *error = "--dev: cannot find the bundled examples (set OMEGA_EXAMPLES_DIR or pass --env and --schema)";
      return false;
    }
    if (opts->env_path.empty()) {
      // A copy, so patches made while trying things never touch the shipped example.
      std::string text, err;
      opts->env_path = dev->dir + "/omega.env";
      if (!fs::read_file(ex + "/omega.env", &text, &err) ||
          !fs::write_atomically(opts->env_path, text, {0600, true, "dev"}, &err)) {
        *error = "--dev: " + err;
        return false;
      }
    }
    if (opts->schema_path.empty()) opts->schema_path = ex + "/omega.schema.json";
  }
  if (opts->admin_token_file.empty()) {
    dev->token = random_hex(32);
    opts->admin_token_file = dev->dir + "/admin-tokens";
    std::string err;
    if (!fs::write_atomically(opts->admin_token_file, "dev:" + dev->token + "\n", {0600, true, "dev"}, &err)) {
      *error = "--dev: " + err;
      return false;
    }
  }
  if (opts->audit_log.empty()) opts->audit_log = dev->dir + "/audit.jsonl";
  if (!opts->redis_url_given) {
    int port = free_loopback_port();
    std::string redis = find_redis_server();
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
      *error = std::string("--dev: fork: ") + std::strerror(errno);
      return false;
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);  // stop with the daemon, even if it is SIGKILLed
      if (getppid() != parent) _exit(1);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      std::string p = std::to_string(port), log = dev->dir + "/redis.log";
      execl(redis.c_str(), redis.c_str(), "--port", p.c_str(), "--bind", "127.0.0.1", "--save", "", "--appendonly",
            "no", "--daemonize", "no", "--dir", dev->dir.c_str(), "--logfile", log.c_str(), (char*)nullptr);
      _exit(127);
    }
    dev->redis_pid = pid;
    opts->redis_url = "redis://127.0.0.1:" + std::to_string(port) + "/0";
    redis::Endpoint endpoint = redis::parse_url(opts->redis_url);
    bool up = false;
    for (int i = 0; i < 100 && !up; ++i) {
      try {
        redis::Connection probe(endpoint, -1, redis::Clock::now() + std::chrono::milliseconds(500));
        up = true;
      } catch (const redis::ConnError&) {
        usleep(50 * 1000);
      }
    }
    if (!up) {
      *error = "--dev: the private redis-server (" + redis + ") did not start; see " + dev->dir + "/redis.log";
      return false;
    }
  }
  return true;
}

namespace {
// What a Python agent (create_config_manager) and omegactl read from the environment, ready to
// paste: OMEGA_REDIS_URL names the bus, so REDIS_URL stays free for the application's setting.
std::string dev_exports(const Options& opts, const DevSession& dev, const std::string& base) {
  std::string out = "For Python agents and omegactl in another shell:\n";
  out += "  export OMEGA_REDIS_URL='" + opts.redis_url + "'\n";
  out += "  export OMEGA_SETTINGS_URL='" + base + "'\n";
  if (dev.token.empty())
    out += "  # omegactl --token-file " + opts.admin_token_file + " (or export OMEGA_ADMIN_TOKEN=...)\n";
  else
    out += "  export OMEGA_ADMIN_TOKEN='" + dev.token + "'\n";
  out += "  omegactl patch LOG_LEVEL=DEBUG\n";
  return out;
}
}  // namespace

void dev_print_banner(const Options& opts, const DevSession& dev, int port) {
  std::string base =
      "http://" + (opts.listen_host.find(':') != std::string::npos ? "[" + opts.listen_host + "]" : opts.listen_host) +
      ":" + std::to_string(port);
  std::string token = dev.token.empty() ? "<a token from " + opts.admin_token_file + ">" : dev.token;
  std::printf(
      "\nomega-settingsd (dev mode) is serving on %s\n"
      "  .env      %s\n  schema    %s\n  audit log %s\n  redis     %s%s\n"
      "  admin token: %s\n\n"
      "Open the console: %s/ui  (sign in with the admin token)\n\n"
      "Or try:\n"
      "  curl -s %s/config | jq .\n"
      "  curl -s -X POST %s/config/patch \\\n"
      "    -H \"Authorization: Bearer %s\" \\\n"
      "    -H \"Content-Type: application/json\" \\\n"
      "    -d '{\"updates\":{\"LOG_LEVEL\":\"debug\",\"MONGO_URI\":\"mongodb://mongo:27017\"}}'\n"
      "  curl -s -X POST %s/config/reload \\\n"
      "    -H \"Authorization: Bearer %s\"\n"
      "  curl -s %s/config/history | jq .\n"
      "  redis-cli -u %s MGET omega:config omega:config:version omega:config:meta\n\n"
      "%s\n"
      "Ctrl-C stops the daemon%s and removes %s.\n",
      base.c_str(), opts.env_path.c_str(), opts.schema_path.c_str(), opts.audit_log.c_str(), opts.redis_url.c_str(),
      dev.redis_pid > 0 ? " (private, stopped with the daemon)" : "", token.c_str(), base.c_str(), base.c_str(),
      base.c_str(), token.c_str(), base.c_str(), token.c_str(), base.c_str(), opts.redis_url.c_str(),
      dev_exports(opts, dev, base).c_str(), dev.redis_pid > 0 ? " and its redis-server" : "", dev.dir.c_str());
  std::fflush(stdout);
}

namespace {
int remove_entry(const char* path, const struct stat*, int, struct FTW*) { return remove(path); }
}  // namespace

void dev_shutdown(DevSession* dev) {
  if (dev->redis_pid > 0) {
    kill(dev->redis_pid, SIGTERM);
    int status;
    waitpid(dev->redis_pid, &status, 0);
    dev->redis_pid = -1;
  }
  // The scratch directory only ever holds dev-mode state (a copy of the example .env, the
  // fresh token, the audit log): nothing to keep once the session ends.
  if (!dev->dir.empty()) nftw(dev->dir.c_str(), remove_entry, 8, FTW_DEPTH | FTW_PHYS);
  dev->dir.clear();
}

}  // namespace omega::settingsd
