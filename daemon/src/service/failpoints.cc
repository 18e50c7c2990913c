// Failpoint hooks: read OMEGA_FAILPOINT on every hit so a test can arm it per process.
#include "service/failpoints.h"

#include "failpoint.h"

#include <unistd.h>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>

namespace omega::settingsd {

#ifdef OMEGA_FAILPOINTS
namespace {
// The action armed for `name` ("kill", "abort", "fail"), or "" when it is not armed.
std::string armed_action(const char* name) {
  const char* spec = std::getenv("OMEGA_FAILPOINT");
  if (!spec || !*spec) return "";
  std::string all(spec);
  size_t start = 0;
  while (start <= all.size()) {
    size_t comma = all.find(',', start);
    std::string item = all.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::string action = "kill";
    size_t colon = item.find(':');
    if (colon != std::string::npos) {
      action = item.substr(colon + 1);
      item.resize(colon);
    }
    if (item == name) return action;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return "";
}

bool fails(const char* name) { return armed_action(name) == "fail"; }

void hit(const char* name) {
  std::string action = armed_action(name);
  if (action.empty() || action == "fail") return;
  // Say where we die so a test log explains itself; write(2) is async-signal-safe.
  std::string line = std::string("omega-settingsd: failpoint ") + name + " -> " + action + "\n";
  ssize_t ignored = write(2, line.data(), line.size());
  (void)ignored;
  if (action.rfind("sleep", 0) == 0) {  // "sleep500": hold the step 500 ms (a slow disk)
    usleep(static_cast<useconds_t>(std::atoi(action.c_str() + 5)) * 1000);
    return;
  }
  if (action == "abort") std::abort();
  raise(SIGKILL);
}
}  // namespace

void install_failpoints() { install_failpoint_hooks({&hit, &fails}); }
bool failpoints_compiled_in() { return true; }
#else
void install_failpoints() {}
bool failpoints_compiled_in() { return false; }
#endif

}  // namespace omega::settingsd
