// run_child (see child_process.h). posix_spawn (vfork-like: safe from a threaded daemon, and the
// parent resumes only once the child has exec'ed or failed) with close-from-3 in the child, so
// no descriptor of the daemon leaks whether or not it was opened close-on-exec; a pidfd wakes
// the wait loop when the child exits.
#include "service/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace omega::settingsd {
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.release();
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// A close-on-exec pipe whose ends are never 0, 1 or 2: dup2 onto the child's 0-2 then always
// makes a new descriptor (clearing close-on-exec), even in a daemon started with them closed.
bool make_pipe(Fd* read_end, Fd* write_end, std::string* error) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return *error = std::string("pipe: ") + std::strerror(errno), false;
  Fd ends[2] = {Fd(fds[0]), Fd(fds[1])};
  for (Fd& end : ends) {
    if (end.get() < 3) {
      int moved = fcntl(end.get(), F_DUPFD_CLOEXEC, 3);
      if (moved < 0) return *error = std::string("fcntl: ") + std::strerror(errno), false;
      end = Fd(moved);
    }
  }
  *read_end = std::move(ends[0]);
  *write_end = std::move(ends[1]);
  return true;
}

// The daemon's environment less the hidden names (pointers into environ).
std::vector<char*> child_environment(const std::vector<std::string>& hidden) {
  std::vector<char*> env;
  for (char** e = environ; *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    std::string name(*e, eq ? static_cast<size_t>(eq - *e) : std::strlen(*e));
    if (std::find(hidden.begin(), hidden.end(), name) == hidden.end()) env.push_back(*e);
  }
  env.push_back(nullptr);
  return env;
}

// Reads what the pipe holds now, keeping up to cap bytes. False once it is at EOF.
bool drain(int fd, std::string* into, size_t cap, bool* truncated) {
  char buf[16384];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      size_t room = into->size() < cap ? cap - into->size() : 0;
      size_t keep = std::min(room, static_cast<size_t>(n));
      into->append(buf, keep);
      if (keep < static_cast<size_t>(n) && truncated) *truncated = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

// Starts /bin/sh -c COMMAND with the pipes as 0, 1 and 2, in a new process group.
int spawn(const ChildSpec& spec, int in, int out, int err, pid_t* pid) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, in, 0);
  posix_spawn_file_actions_adddup2(&actions, out, 1);
  posix_spawn_file_actions_adddup2(&actions, err, 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  // The daemon blocks SIGINT/SIGTERM and ignores SIGPIPE; both would be inherited through exec.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> env = child_environment(spec.hidden_env);
  const char* argv[] = {"/bin/sh", "-c", spec.command.c_str(), nullptr};
  int rc = posix_spawn(pid, "/bin/sh", &actions, &attr, const_cast<char* const*>(argv), env.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  return rc;
}

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));  // close-on-exec by definition
#else
  (void)pid;
  return -1;
#endif
}

// Holds SIGPIPE blocked in this thread while writing to the child, and takes back one that the
// writes raised (a child that exits without reading its stdin), so the process never sees it.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &saved_);
  }
  ~SigpipeGuard() {
    if (raised && !was_pending_) {
      timespec zero{0, 0};
      sigtimedwait(&pipe_, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }
  bool raised = false;

 private:
  sigset_t pipe_, saved_;
  bool was_pending_ = false;
};

}  // namespace

ChildResult run_child(const ChildSpec& spec) {
  ChildResult result;
  const auto started = Clock::now();
  const auto deadline = started + spec.timeout;
  Fd in_r, in_w, out_r, out_w, err_r, err_w;
  if (!make_pipe(&in_r, &in_w, &result.error) || !make_pipe(&out_r, &out_w, &result.error) ||
      !make_pipe(&err_r, &err_w, &result.error)) {
    return result;
  }
  pid_t pid = -1;
  int rc = spawn(spec, in_r.get(), out_w.get(), err_w.get(), &pid);
  in_r.reset();
  out_w.reset();
  err_w.reset();
  if (rc != 0) {
    result.error = std::string("cannot run /bin/sh: ") + std::strerror(rc);
    return result;
  }
  // Only the daemon's ends wait in poll; the child's stay blocking, as a program expects.
  for (const Fd* end : {&in_w, &out_r, &err_r}) fcntl(end->get(), F_SETFL, fcntl(end->get(), F_GETFL) | O_NONBLOCK);
  Fd pidfd(open_pidfd(pid));
  SigpipeGuard sigpipe;
  size_t written = 0;
  if (spec.input.empty()) in_w.reset();
  bool out_open = true, err_open = true, timed_out = false;

  for (;;) {
    siginfo_t info{};
    if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) break;
    auto now = Clock::now();
    if (now >= deadline) {
      timed_out = true;
      break;
    }
    int wait_ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count());
    if (!pidfd.open()) wait_ms = std::min(wait_ms, 10);  // no pidfd: look for the exit in ticks
    pollfd fds[4];
    int n = 0, in_at = -1, out_at = -1, err_at = -1;
    if (in_w.open()) in_at = n, fds[n++] = {in_w.get(), POLLOUT, 0};
    if (out_open) out_at = n, fds[n++] = {out_r.get(), POLLIN, 0};
    if (err_open) err_at = n, fds[n++] = {err_r.get(), POLLIN, 0};
    if (pidfd.open()) fds[n++] = {pidfd.get(), POLLIN, 0};
    if (poll(fds, n, wait_ms) < 0 && errno != EINTR) {
      result.error = std::string("poll: ") + std::strerror(errno);
      timed_out = true;  // cannot wait for it: treat as no verdict, and kill it
      break;
    }
    if (in_at >= 0 && fds[in_at].revents) {
      size_t chunk = std::min<size_t>(spec.input.size() - written, 1 << 16);
      ssize_t w = write(in_w.get(), spec.input.data() + written, chunk);
      if (w > 0) written += static_cast<size_t>(w);
      if (w < 0 && errno == EPIPE) sigpipe.raised = true;
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == spec.input.size()) in_w.reset();
    }
    if (out_at >= 0 && fds[out_at].revents)
      out_open = drain(out_r.get(), &result.out, spec.stdout_cap, &result.out_truncated);
    if (err_at >= 0 && fds[err_at].revents) err_open = drain(err_r.get(), &result.err, spec.stderr_cap, nullptr);
  }
  // What it wrote before it exited is in the pipes now; anything later is not waited for.
  if (!timed_out) {
    if (out_open) drain(out_r.get(), &result.out, spec.stdout_cap, &result.out_truncated);
    if (err_open) drain(err_r.get(), &result.err, spec.stderr_cap, nullptr);
  }
  // The group's leader is not reaped yet, so its id still names this group: nothing it started
  // survives, and no unrelated process can be hit.
  kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (timed_out) {
    result.outcome = ChildResult::Outcome::kTimedOut;
  } else if (WIFEXITED(status)) {
    result.outcome = ChildResult::Outcome::kExited;
    result.exit_code = WEXITSTATUS(status);
  } else {
    result.outcome = ChildResult::Outcome::kSignaled;
    result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  return result;
}

}  // namespace omega::settingsd
