/* util.c — time, waiting, temp dirs, child processes and thread counts for
 * the C suites. See harness.h. */
#define _GNU_SOURCE
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "th_test.h"

int64_t th_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void th_sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

int th_wait_until(th_predicate pred, void* arg, int timeout_ms) {
  int64_t deadline = th_now_ms() + timeout_ms;
  for (;;) {
    if (pred(arg)) return 1;
    /* checked after the predicate: a zero timeout still looks once */
    if (th_now_ms() > deadline) return 0;
    th_sleep_ms(TH_POLL_MS);
  }
}

/* ---- child processes -------------------------------------------------------- */

struct child_wait {
  pid_t pid;
  int status;
};

static int child_exited(void* arg) {
  struct child_wait* c = arg;
  pid_t w = waitpid(c->pid, &c->status, WNOHANG);
  /* ECHILD: already reaped (or not ours): nothing left to wait for */
  return w == c->pid || (w < 0 && errno == ECHILD);
}

int th_wait_child(pid_t pid, int* status, int timeout_ms) {
  struct child_wait c = {pid, 0};
  int exited = th_wait_until(child_exited, &c, timeout_ms);
  if (exited && status) *status = c.status;
  return exited;
}

/* ---- temp dirs ---------------------------------------------------------------- */

void th_mkdtemp(char* buf, size_t len) {
  const char* base = getenv("TMPDIR");
  if (!base || !*base) base = "/tmp";
  snprintf(buf, len, "%s/omega-ctest-XXXXXX", base);
  cr_assert_not_null(mkdtemp(buf), "mkdtemp(%s): %s", buf, strerror(errno));
}

static int rm_one(const char* path, const struct stat* sb, int flag, struct FTW* ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

void th_rm_rf(const char* path) {
  if (path && *path) nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- threads ------------------------------------------------------------------ */

int th_thread_count(void) {
  DIR* d = opendir("/proc/self/task");
  if (!d) return -1;
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}
