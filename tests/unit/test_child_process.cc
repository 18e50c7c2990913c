// run_child, the runner behind --validate-with: input in, output captured within caps, exit
// status or signal, a deadline that kills the whole process group, no inherited descriptors,
// hidden variables, and no SIGPIPE reaching the caller when the child does not read.
#include <criterion/criterion.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <chrono>
#include <cstdlib>
#include <string>

#include "service/child_process.h"

using omega::settingsd::ChildResult;
using omega::settingsd::ChildSpec;
using omega::settingsd::run_child;
using Outcome = ChildResult::Outcome;

namespace {

ChildResult run(const std::string& command, const std::string& input = "", int timeout_ms = 5000) {
  ChildSpec spec;
  spec.command = command;
  spec.input = input;
  spec.timeout = std::chrono::milliseconds(timeout_ms);
  return run_child(spec);
}

}  // namespace

Test(child_process, input_in_output_out_and_the_exit_status) {
  ChildResult r = run("cat; echo err >&2; exit 3", "{\"K\":1}");
  cr_assert_eq(r.outcome, Outcome::kExited);
  cr_assert_eq(r.exit_code, 3);
  cr_assert_eq(r.out, "{\"K\":1}");
  cr_assert_eq(r.err, "err\n");
  r = run("true");
  cr_assert_eq(r.outcome, Outcome::kExited);
  cr_assert_eq(r.exit_code, 0);
}

Test(child_process, a_signal_is_reported_as_such) {
  ChildResult r = run("kill -9 $$");
  cr_assert_eq(r.outcome, Outcome::kSignaled);
  cr_assert_eq(r.signal, SIGKILL);
}

// The daemon blocks SIGTERM and ignores SIGPIPE; the child must start with neither.
Test(child_process, the_child_gets_default_signals) {
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_BLOCK, &term, nullptr);
  signal(SIGPIPE, SIG_IGN);
  ChildResult r = run("kill -TERM $$; sleep 5");
  cr_assert_eq(r.outcome, Outcome::kSignaled, "outcome %d", static_cast<int>(r.outcome));
  cr_assert_eq(r.signal, SIGTERM);
  r = run("grep -E '^(SigBlk|SigIgn)' /proc/self/status");
  cr_assert(r.out.find("SigBlk:\t0000000000000000") != std::string::npos, "%s", r.out.c_str());
  // Signals 1-31 at their defaults (glibc's posix_spawn leaves its own internal real-time
  // signals 32 and 33 ignored; the new program's libc takes them over).
  size_t ign = r.out.find("SigIgn:\t");
  cr_assert_neq(ign, std::string::npos);
  unsigned long long ignored = std::strtoull(r.out.c_str() + ign + 8, nullptr, 16);
  cr_assert_eq(ignored & 0x7fffffffULL, 0u, "%s", r.out.c_str());
  signal(SIGPIPE, SIG_DFL);
  sigprocmask(SIG_UNBLOCK, &term, nullptr);
}

Test(child_process, the_deadline_kills_the_whole_group) {
  char dir[] = "/tmp/omega-child-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  std::string pid_file = std::string(dir) + "/pid";
  auto started = std::chrono::steady_clock::now();
  ChildResult r = run("sleep 30 & echo $! > " + pid_file + "; wait", "", 200);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  cr_assert_eq(r.outcome, Outcome::kTimedOut);
  cr_assert_lt(took, 3.0, "took %.2f s", took);
  FILE* f = fopen(pid_file.c_str(), "r");
  cr_assert_not_null(f);
  int grandchild = 0;
  cr_assert_eq(fscanf(f, "%d", &grandchild), 1);
  fclose(f);
  // Killed with the group: gone, or a zombie waiting for init.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::string stat_path = "/proc/" + std::to_string(grandchild) + "/stat";
    FILE* s = fopen(stat_path.c_str(), "r");
    char state = 'Z';
    if (s) {
      int ignored = fscanf(s, "%*d (%*[^)]) %c", &state);
      (void)ignored;
      fclose(s);
    }
    gone = !s || state == 'Z';
    if (!gone) usleep(20000);
  }
  cr_assert(gone, "the grandchild %d survived", grandchild);
  unlink(pid_file.c_str());
  rmdir(dir);
}

Test(child_process, what_it_leaves_behind_is_killed_when_it_exits) {
  ChildResult r = run("sleep 30 & echo $!");
  cr_assert_eq(r.outcome, Outcome::kExited);
  int pid = std::atoi(r.out.c_str());
  cr_assert_gt(pid, 0);
  usleep(100000);
  std::string stat_path = "/proc/" + std::to_string(pid) + "/stat";
  FILE* s = fopen(stat_path.c_str(), "r");
  char state = 'Z';
  if (s) {
    int ignored = fscanf(s, "%*d (%*[^)]) %c", &state);
    (void)ignored;
    fclose(s);
  }
  cr_assert(!s || state == 'Z', "pid %d still running", pid);
}

// A child that never reads its stdin: with SIGPIPE at its default (fatal) disposition here,
// writing a megabyte into the closed pipe must not kill this process.
Test(child_process, a_child_that_does_not_read_is_no_sigpipe) {
  signal(SIGPIPE, SIG_DFL);
  ChildResult r = run("exec 0<&-; sleep 0.2", std::string(1 << 20, 'x'));
  cr_assert_eq(r.outcome, Outcome::kExited);
  cr_assert_eq(r.exit_code, 0);
  sigset_t pending;
  sigpending(&pending);
  cr_assert_not(sigismember(&pending, SIGPIPE));
}

Test(child_process, output_is_capped_but_drained) {
  ChildSpec spec;
  spec.command = "head -c 3000000 /dev/zero; echo done >&2";
  spec.stdout_cap = 1000;
  ChildResult r = run_child(spec);
  cr_assert_eq(r.outcome, Outcome::kExited);
  cr_assert_eq(r.exit_code, 0);
  cr_assert_eq(r.out.size(), 1000u);
  cr_assert(r.out_truncated);
  cr_assert_eq(r.err, "done\n");
}

Test(child_process, no_descriptor_and_no_hidden_variable_reaches_the_child) {
  int leaky = open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  cr_assert_geq(leaky, 3);
  setenv("OMEGA_TEST_HIDDEN", "secret", 1);
  setenv("OMEGA_TEST_SHOWN", "fine", 1);
  ChildSpec spec;
  spec.command = "ls /proc/self/fd; echo \"${OMEGA_TEST_HIDDEN:-unset} $OMEGA_TEST_SHOWN\"";
  spec.hidden_env = {"OMEGA_TEST_HIDDEN"};
  ChildResult r = run_child(spec);
  close(leaky);
  // ls lists 0, 1, 2 and the descriptor it reads the directory with (3).
  cr_assert_eq(r.out, "0\n1\n2\n3\nunset fine\n", "%s", r.out.c_str());
}

Test(child_process, a_missing_command_is_the_shells_127) {
  ChildResult r = run("/nonexistent/validator");
  cr_assert_eq(r.outcome, Outcome::kExited);
  cr_assert_eq(r.exit_code, 127);
}
