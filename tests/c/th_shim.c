/* th_shim.c — the Criterion stand-in used by the ThreadSanitizer build (see
 * th_test.h for why). Runs every registered test in its own forked process
 * with its fixtures and a timeout, prints one line per test and a closing
 * "N passed, N failed" line, and exits non-zero if any test failed.
 *
 *   test_xxx [--filter GLOB] [--timeout SECONDS]   (GLOB on "suite/name") */
#define _GNU_SOURCE
#include "th_test.h"

#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SKIP_EXIT 77

static struct th_shim_test* tests;
static struct th_shim_suite* suites;
static void (*current_fini)(void);
static int in_fini;
static int soft_failures;

void th_shim_register(struct th_shim_test* t) {
  t->next = tests;
  tests = t;
}

void th_shim_register_suite(struct th_shim_suite* s) {
  s->next = suites;
  suites = s;
}

static void finish(int code) __attribute__((noreturn));
static void finish(int code) {
  if (!in_fini && current_fini) {
    in_fini = 1;
    current_fini();
  }
  fflush(stdout);
  fflush(stderr);
  _exit(code);
}

void th_shim_fail(int fatal, const char* file, int line, const char* expr, const char* fmt, ...) {
  fprintf(stderr, "[----] %s:%d: %s failed: %s\n", file, line, fatal ? "Assertion" : "Expectation", expr);
  if (fmt && *fmt) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[----]   ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
  }
  if (fatal) finish(1);
  soft_failures++;
}

void th_shim_str(int fatal, const char* file, int line, const char* expr, const char* a, const char* b, int want_equal,
                 const char* fmt, ...) {
  int equal = a && b && strcmp(a, b) == 0;
  if (equal == want_equal) return;
  fprintf(stderr, "[----] %s:%d: %s failed: %s (actual=`%s` expected=`%s`)\n", file, line,
          fatal ? "Assertion" : "Expectation", expr, a ? a : "(null)", b ? b : "(null)");
  if (fmt && *fmt) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[----]   ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
  }
  if (fatal) finish(1);
  soft_failures++;
}

void th_shim_skip(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "[SKIP] ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  finish(SKIP_EXIT);
}

void th_shim_log(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "[----] ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
}

static struct th_shim_suite* suite_of(const char* name) {
  for (struct th_shim_suite* s = suites; s; s = s->next)
    if (!strcmp(s->name, name)) return s;
  return NULL;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  const char* filter = NULL;
  double timeout_override = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--filter") && i + 1 < argc)
      filter = argv[++i];
    else if (!strncmp(argv[i], "--filter=", 9))
      filter = argv[i] + 9;
    else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
      timeout_override = atof(argv[++i]);
  }
  /* registration order is reversed by the constructors: restore it */
  struct th_shim_test* ordered = NULL;
  while (tests) {
    struct th_shim_test* t = tests;
    tests = t->next;
    t->next = ordered;
    ordered = t;
  }
  int passed = 0, failed = 0, skipped = 0;
  for (struct th_shim_test* t = ordered; t; t = t->next) {
    char full[256];
    snprintf(full, sizeof full, "%s/%s", t->suite, t->name);
    if (filter && fnmatch(filter, full, 0) != 0) continue;
    struct th_shim_suite* s = suite_of(t->suite);
    void (*init)(void) = t->init ? t->init : s ? s->init : NULL;
    void (*fini)(void) = t->fini ? t->fini : s ? s->fini : NULL;
    double timeout = t->timeout > 0 ? t->timeout : s && s->timeout > 0 ? s->timeout : 60;
    if (timeout_override > 0) timeout = timeout_override;
    fflush(stdout);
    fflush(stderr);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      return 2;
    }
    if (pid == 0) {
      setpgid(0, 0);
      alarm((unsigned)(timeout + 0.999));
      current_fini = fini;
      if (init) init();
      t->fn();
      finish(soft_failures ? 1 : 0);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0) {
    }
    kill(-pid, SIGKILL); /* anything the test left in its group */
    double dt = now_s() - t0;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
      passed++;
      fprintf(stderr, "[PASS] %s::%s: (%.2fs)\n", t->suite, t->name, dt);
    } else if (WIFEXITED(st) && WEXITSTATUS(st) == SKIP_EXIT) {
      skipped++;
      fprintf(stderr, "[SKIP] %s::%s\n", t->suite, t->name);
    } else {
      failed++;
      if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
        fprintf(stderr, "[FAIL] %s::%s: Timed out. (%.2fs)\n", t->suite, t->name, dt);
      else if (WIFSIGNALED(st))
        fprintf(stderr, "[FAIL] %s::%s: CRASH, signal %d (%.2fs)\n", t->suite, t->name, WTERMSIG(st), dt);
      else
        fprintf(stderr, "[FAIL] %s::%s: exit %d (%.2fs)\n", t->suite, t->name, WEXITSTATUS(st), dt);
    }
  }
  fprintf(stderr, "%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed ? 1 : 0;
}
