#include "failpoint.h"

namespace omega {
namespace {
FailpointHooks g_hooks{nullptr, nullptr};  // set once at start, before any thread
}

void install_failpoint_hooks(FailpointHooks hooks) { g_hooks = hooks; }

void failpoint(const std::string& name) {
  if (g_hooks.hit) g_hooks.hit(name.c_str());
}

bool failpoint_fails(const std::string& name) { return g_hooks.fails && g_hooks.fails(name.c_str()); }

}  // namespace omega
