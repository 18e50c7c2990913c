// Runs one short-lived command for the daemon (the --validate-with validator): bytes on its
// stdin, stdout and stderr captured up to a cap, a deadline after which its whole process
// group is killed. The child gets none of the daemon's file descriptors (all but 0, 1, 2 are
// closed in it), default signal dispositions and an empty signal mask, its own process group,
// and the daemon's environment less the names it is told to hide.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace omega::settingsd {

struct ChildSpec {
  std::string command;  // run as /bin/sh -c COMMAND
  std::string input;    // written to its stdin, which is then closed; the child need not read it
  std::chrono::milliseconds timeout{5000};
  size_t stdout_cap = 1 << 20;  // bytes kept; the rest is read and dropped
  size_t stderr_cap = 64 << 10;
  std::vector<std::string> hidden_env;  // variables removed from the child's environment
};

struct ChildResult {
  enum class Outcome {
    kExited,      // exit_code is set
    kSignaled,    // killed by signal `signal`
    kTimedOut,    // the deadline passed: its process group was killed
    kNotStarted,  // /bin/sh could not be started: `error` says why
  };
  Outcome outcome = Outcome::kNotStarted;
  int exit_code = -1;
  int signal = 0;
  std::string out, err;
  bool out_truncated = false;
  std::string error;
  double seconds = 0;
};

// Blocks the calling thread until the child has exited (or was killed at the deadline), then
// kills whatever is left of its process group, so nothing it started outlives the call.
// SIGPIPE-safe when the child does not read its stdin, whatever the process's disposition.
ChildResult run_child(const ChildSpec& spec);

}  // namespace omega::settingsd
