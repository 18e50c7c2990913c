// Failpoints for crash-consistency tests (the points themselves: common/failpoint.h).
//
// Only a build with -DOMEGA_FAILPOINTS=ON installs hooks; then the environment variable
// OMEGA_FAILPOINT=<name>[:kill|abort|fail|sleepMS][,…] makes the daemon SIGKILL (default) or
// abort itself when it reaches <name>, makes that step report an I/O error (":fail", for error
// paths a test cannot provoke otherwise), or hold it for MS milliseconds (":sleep500").
#pragma once

namespace omega::settingsd {

// Installs the environment-driven hooks in a test build; does nothing otherwise.
void install_failpoints();
// True when this binary was built with failpoints (reported by --version).
bool failpoints_compiled_in();

}  // namespace omega::settingsd
