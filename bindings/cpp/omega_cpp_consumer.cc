// omega_cpp_consumer — omega_consumer (bindings/c) written with omega_config.hpp.
//
//   omega_cpp_consumer [-u REDIS_URL] [-n NAMESPACE] [--once] [--all] KEY
//
// Opens a Config (URL from -u, else $REDIS_URL, else the library default), prints
// "KEY=value", then one line per reload:
//   reload version=N changed=A,B,C
//   KEY=new-value            (when KEY was among the changed keys)
// until SIGINT or SIGTERM. --once prints the setting and exits; --all first prints every
// key of one pinned snapshot ("  KEY=value (type)").
// Exit status: 0 ok, 1 the key is missing, 2 usage, 3 cannot open.
#include <omega_config.hpp>

#include <signal.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>

namespace {

const char* type_name(omega::ValueType t) {
  switch (t) {
    case omega::ValueType::String: return "string";
    case omega::ValueType::Int: return "int";
    case omega::ValueType::Double: return "double";
    case omega::ValueType::Bool: return "bool";
    case omega::ValueType::Null: return "null";
    case omega::ValueType::Json: return "json";
  }
  return "?";
}

int usage(const char* argv0) {
  std::cerr << "usage: " << argv0 << " [-u REDIS_URL] [-n NAMESPACE] [--once] [--all] KEY\n"
            << "  prints KEY, then every reload until SIGINT/SIGTERM\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  omega::Options opts;
  if (const char* url = std::getenv("REDIS_URL")) opts.redis_url = url;
  std::string key;
  bool once = false, all = false;
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    if (arg == "-u" && i + 1 < argc)
      opts.redis_url = argv[++i];
    else if (arg == "-n" && i + 1 < argc)
      opts.namespace_prefix = argv[++i];
    else if (arg == "--once")
      once = true;
    else if (arg == "--all")
      all = true;
    else if (arg == "-h" || arg == "--help")
      return usage(argv[0]), 0;
    else if (arg[0] == '-' || !key.empty())
      return usage(argv[0]);
    else
      key = arg;
  }
  if (key.empty()) return usage(argv[0]);

  // Block the signals before the watcher thread exists, so that only sigwait() takes them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  try {
    omega::Config cfg = omega::Config::open(opts);
    omega::Status st = cfg.status();
    std::cerr << "omega_cpp_consumer: libomega_config " << omega_version_string() << ", state "
              << omega::to_string(st.state) << ", version " << st.version << "\n";

    if (all) {
      omega::Snapshot snap = cfg.snapshot();
      std::cout << "version " << snap.version() << ", " << snap.size() << " keys\n";
      for (const omega::Entry& e : snap)
        std::cout << "  " << e.key << '=' << e.value << " (" << type_name(e.type) << ")\n";
    }

    int status = 0;
    if (std::optional<std::string> value = cfg.get<std::string>(key)) {
      std::cout << key << '=' << *value << std::endl;
    } else {
      std::cout << key << " is not set (" << omega_strerror(OMEGA_E_NOT_FOUND) << ")" << std::endl;
      status = 1;
    }
    if (once) return status;

    std::mutex out;  // the watcher thread prints too
    omega::Subscription sub = cfg.on_reload([&](const omega::Reload& r) {
      std::lock_guard<std::mutex> lock(out);
      std::cout << "reload version=" << r.version << " changed=";
      const char* sep = "";
      for (std::string_view k : r.changed_keys) std::cout << sep << k, sep = ",";
      std::cout << "\n";
      if (r.changed(key)) {
        if (auto v = r.snapshot.get<std::string_view>(key))
          std::cout << key << '=' << *v << "\n";
        else
          std::cout << key << " is not set (" << omega_strerror(OMEGA_E_NOT_FOUND) << ")\n";
      }
      std::cout << std::flush;
    });
    int sig = 0;
    sigwait(&sigs, &sig);
    std::cerr << "omega_cpp_consumer: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", closing\n";
    return 0;  // sub, then cfg: unregistered, then closed
  } catch (const omega::Error& e) {
    std::cerr << "omega_cpp_consumer: " << (opts.redis_url.empty() ? "(default URL)" : opts.redis_url) << ": "
              << e.status_text() << ": " << e.what() << "\n";
    return 3;
  }
}
