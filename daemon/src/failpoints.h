// Named crash points for crash-consistency tests.
//
// Compiled in only when the build sets OMEGA_FAILPOINTS (cmake -DOMEGA_FAILPOINTS=ON);
// otherwise OMEGA_FAILPOINT(name) expands to nothing. In a test build the environment
// variable OMEGA_FAILPOINT=<name>[:kill|abort] makes the daemon SIGKILL (default) or
// abort itself when it reaches <name>. Several names may be given, separated by commas.
// OMEGA_FAILPOINT_FAILS(name) is true when <name>:fail is armed: the caller then simulates
// an I/O error there (for error paths a test cannot provoke otherwise). Never true when
// failpoints are compiled out.
#pragma once

namespace omega::settingsd {

#ifdef OMEGA_FAILPOINTS
void failpoint_hit(const char *name);
bool failpoint_fails(const char *name);
#define OMEGA_FAILPOINT(name) ::omega::settingsd::failpoint_hit(name)
#define OMEGA_FAILPOINT_FAILS(name) ::omega::settingsd::failpoint_fails(name)
#else
#define OMEGA_FAILPOINT(name) ((void)0)
#define OMEGA_FAILPOINT_FAILS(name) false
#endif

// True when this binary was built with failpoints (reported by --version).
bool failpoints_compiled_in();

}  // namespace omega::settingsd
