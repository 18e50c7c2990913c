// Named points inside multi-step writes ("patch.env.renamed"), where crash-consistency tests
// stop the process or make a step fail. Nothing happens unless a test build of the daemon
// installs hooks (daemon/src/support/failpoints.cc): production pays one pointer check.
#pragma once
#include <string>

namespace omega {

struct FailpointHooks {
  void (*hit)(const char* name);    // may kill or abort the process
  bool (*fails)(const char* name);  // true: simulate an I/O error at this step
};

void install_failpoint_hooks(FailpointHooks hooks);
void failpoint(const std::string& name);
bool failpoint_fails(const std::string& name);

}  // namespace omega
