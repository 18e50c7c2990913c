/* test_bindings.c — the C side in bindings/c/: the LOG_LEVEL watcher
 * (parsing, applied now and on every change, invalid values keep the level
 * and say so on stderr, setlogmask applier) and the omega_consumer example
 * (prints a setting, then every reload, exits 0 on SIGTERM). */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>
#include "th_test.h"

#include "harness.h"
#include "omega_log_level.h"

/* ---- apply recorder ---------------------------------------------------- */

#define MAXA 64
static pthread_mutex_t amu = PTHREAD_MUTEX_INITIALIZER;
static int n_applied;
static int applied[MAXA];
static char applied_name[MAXA][16];
static void* applied_ud[MAXA];

static void rec_apply(int p, const char* name, void* ud) {
  pthread_mutex_lock(&amu);
  if (n_applied < MAXA) {
    applied[n_applied] = p;
    snprintf(applied_name[n_applied], 16, "%s", name);
    applied_ud[n_applied] = ud;
  }
  n_applied++;
  pthread_mutex_unlock(&amu);
}

static int napplied(void) {
  pthread_mutex_lock(&amu);
  int n = n_applied;
  pthread_mutex_unlock(&amu);
  return n;
}

static int applied_at_least(void* n) { return napplied() >= *(int*)n; }

static int wait_applied(int n, int timeout_ms) { return th_wait_until(applied_at_least, &n, timeout_ms); }

/* ---- stderr capture ------------------------------------------------------ */

static char ERRFILE[320];
static int saved_stderr = -1;

static void capture_stderr(void) {
  snprintf(ERRFILE, sizeof ERRFILE, "%s/stderr.txt", th_R.dir);
  fflush(stderr);
  saved_stderr = dup(2);
  int fd = open(ERRFILE, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  cr_assert(fd >= 0);
  dup2(fd, 2);
  close(fd);
}

static void captured(char* buf, size_t len) {
  fflush(stderr);
  buf[0] = 0;
  FILE* f = fopen(ERRFILE, "r");
  if (!f) return;
  size_t n = fread(buf, 1, len - 1, f);
  buf[n] = 0;
  fclose(f);
}

static void restore_stderr(void) {
  if (saved_stderr >= 0) {
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    saved_stderr = -1;
  }
}

static void up(void) {
  th_suite_redis_up();
  th_publish(&th_R, "{\"LOG_LEVEL\":\"warning\",\"OTHER\":1,\"HTTP_LOG_LEVEL\":\"3\"}", 1);
  th_CFG = th_open(&th_R, NULL);
  n_applied = 0;
}

static void down(void) {
  restore_stderr(); /* a failed assertion may have left it captured */
  th_suite_redis_down();
}

TestSuite(log_level, .timeout = 30);

Test(log_level, parse_names_and_numbers) {
  struct {
    const char* text;
    int want;
  } ok[] = {{"debug", LOG_DEBUG},
            {"DEBUG", LOG_DEBUG},
            {"Info", LOG_INFO},
            {"notice", LOG_NOTICE},
            {"warning", LOG_WARNING},
            {"WARN", LOG_WARNING},
            {"error", LOG_ERR},
            {"err", LOG_ERR},
            {"critical", LOG_CRIT},
            {"crit", LOG_CRIT},
            {"alert", LOG_ALERT},
            {"emerg", LOG_EMERG},
            {"0", 0},
            {"1", 1},
            {"2", 2},
            {"3", 3},
            {"4", 4},
            {"5", 5},
            {"6", 6},
            {"7", 7}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    int p = -1;
    cr_expect_eq(omega_log_level_parse(ok[i].text, &p), OMEGA_OK, "%s", ok[i].text);
    cr_expect_eq(p, ok[i].want, "%s -> %d", ok[i].text, p);
  }
  const char* bad[] = {"8", "-1", "07", "", "verbose", " info", "info ", "warnings", "trace", "3.0", "1e0"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int p = 42;
    cr_expect_eq(omega_log_level_parse(bad[i], &p), OMEGA_E_TYPE, "\"%s\"", bad[i]);
    cr_expect_eq(p, 42, "\"%s\" wrote the output", bad[i]);
  }
  int p;
  cr_assert_eq(omega_log_level_parse(NULL, &p), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_log_level_parse("info", NULL), OMEGA_E_INVALID_ARG);
  cr_assert_str_eq(omega_log_level_name(LOG_ERR), "err");
  cr_assert_str_eq(omega_log_level_name(LOG_WARNING), "warning");
  cr_assert_str_eq(omega_log_level_name(LOG_DEBUG), "debug");
  cr_assert_str_eq(omega_log_level_name(8), "unknown");
}

Test(log_level, setlogmask_applier) {
  omega_log_level_apply_setlogmask(LOG_ERR, "err", NULL);
  cr_assert_eq(setlogmask(0), LOG_UPTO(LOG_ERR));
  omega_log_level_apply_setlogmask(LOG_DEBUG, "debug", NULL);
  cr_assert_eq(setlogmask(0), LOG_UPTO(LOG_DEBUG));
}

Test(log_level, watch_applies_now_and_on_changes, .init = up, .fini = down) {
  int ud = 0;
  uint64_t tok = 0;
  cr_assert_eq(omega_log_level_watch(NULL, rec_apply, &ud, &tok), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_log_level_watch(th_CFG, NULL, &ud, &tok), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_log_level_watch(th_CFG, rec_apply, &ud, &tok), OMEGA_OK);
  cr_assert_neq(tok, 0);
  /* applied now, before watch returns */
  cr_assert_eq(napplied(), 1);
  cr_assert_eq(applied[0], LOG_WARNING);
  cr_assert_str_eq(applied_name[0], "warning");
  cr_assert_eq(applied_ud[0], &ud);

  th_publish(&th_R, "{\"LOG_LEVEL\":\"DEBUG\",\"OTHER\":1}", 2);
  cr_assert(wait_applied(2, 3000), "change to DEBUG not applied");
  cr_assert_eq(applied[1], LOG_DEBUG);
  cr_assert_str_eq(applied_name[1], "debug");

  /* unrelated change: nothing applied */
  th_publish(&th_R, "{\"LOG_LEVEL\":\"DEBUG\",\"OTHER\":2}", 3);
  cr_assert(th_wait_version(th_CFG, 3, 3000));
  th_sleep_ms(100);
  cr_assert_eq(napplied(), 2);

  /* a number */
  th_publish(&th_R, "{\"LOG_LEVEL\":3,\"OTHER\":2}", 4);
  cr_assert(wait_applied(3, 3000));
  cr_assert_eq(applied[2], LOG_ERR);
  cr_assert_str_eq(applied_name[2], "err");

  /* invalid: keeps the previous level, says so on stderr */
  capture_stderr();
  th_publish(&th_R, "{\"LOG_LEVEL\":\"loud\",\"OTHER\":2}", 5);
  cr_assert(th_wait_version(th_CFG, 5, 3000));
  th_sleep_ms(100);
  char err[1024];
  captured(err, sizeof err);
  restore_stderr();
  cr_assert_eq(napplied(), 3, "an invalid LOG_LEVEL was applied");
  cr_assert_not_null(strstr(err, "loud"), "stderr: %s", err);
  cr_assert_not_null(strstr(err, "keeping err"), "stderr: %s", err);

  /* back to valid */
  th_publish(&th_R, "{\"LOG_LEVEL\":\"info\",\"OTHER\":2}", 6);
  cr_assert(wait_applied(4, 3000));
  cr_assert_eq(applied[3], LOG_INFO);

  /* unwatch: no more applies */
  cr_assert_eq(omega_log_level_unwatch(th_CFG, tok), OMEGA_OK);
  th_publish(&th_R, "{\"LOG_LEVEL\":\"alert\",\"OTHER\":2}", 7);
  cr_assert(th_wait_version(th_CFG, 7, 3000));
  th_sleep_ms(100);
  cr_assert_eq(napplied(), 4);
  cr_assert_eq(omega_log_level_unwatch(th_CFG, tok), OMEGA_E_NO_SUCH_TOKEN);
}

Test(log_level, removed_keeps_level_and_missing_applies_nothing, .init = up, .fini = down) {
  cr_assert_eq(omega_log_level_watch(th_CFG, rec_apply, NULL, NULL), OMEGA_OK);
  cr_assert_eq(napplied(), 1);
  capture_stderr();
  th_publish(&th_R, "{\"OTHER\":1}", 2);
  cr_assert(th_wait_version(th_CFG, 2, 3000));
  th_sleep_ms(100);
  char err[1024];
  captured(err, sizeof err);
  restore_stderr();
  cr_assert_eq(napplied(), 1);
  cr_assert_not_null(strstr(err, "keeping warning"), "stderr: %s", err);

  /* a second watcher on a snapshot without LOG_LEVEL applies nothing now ... */
  pthread_mutex_lock(&amu);
  n_applied = 0;
  pthread_mutex_unlock(&amu);
  omega_cfg_options o = th_fast_opts(&th_R);
  omega_cfg* c2 = th_open(&th_R, &o);
  cr_assert_eq(omega_log_level_watch(c2, rec_apply, NULL, NULL), OMEGA_OK);
  cr_assert_eq(napplied(), 0);
  /* ... and applies it when it appears */
  th_publish(&th_R, "{\"OTHER\":1,\"LOG_LEVEL\":\"crit\"}", 3);
  cr_assert(wait_applied(2, 3000)); /* th_CFG's watcher and c2's */
  pthread_mutex_lock(&amu);
  cr_assert_eq(applied[0], LOG_CRIT);
  cr_assert_eq(applied[1], LOG_CRIT);
  pthread_mutex_unlock(&amu);
  /* closing with watchers registered frees them (ASan would tell) */
  omega_cfg_close(c2);
}

Test(log_level, custom_key, .init = up, .fini = down) {
  uint64_t tok;
  cr_assert_eq(omega_log_level_watch_key(th_CFG, "http_log_level", rec_apply, NULL, &tok), OMEGA_OK);
  cr_assert_eq(napplied(), 1);
  cr_assert_eq(applied[0], LOG_ERR);
  th_publish(&th_R, "{\"LOG_LEVEL\":\"warning\",\"HTTP_LOG_LEVEL\":\"notice\"}", 2);
  cr_assert(wait_applied(2, 3000));
  cr_assert_eq(applied[1], LOG_NOTICE);
}

/* ---- the omega_consumer example -------------------------------------------- */

#ifdef OMEGA_CONSUMER_PATH
/* Reading one line from a non-blocking pipe. */
struct line_read {
  int fd;
  char* buf;
  size_t len, used;
  int eof;
};

/* Reads what is there; done at a newline, a full buffer or end of file. */
static int line_done(void* arg) {
  struct line_read* l = arg;
  while (l->used + 1 < l->len) {
    char c;
    ssize_t k = read(l->fd, &c, 1);
    if (k == 1) {
      if (c == '\n') return 1;
      l->buf[l->used++] = c;
      continue;
    }
    if (k == 0) l->eof = 1;
    return l->eof; /* otherwise nothing more yet */
  }
  return 1;
}

static int read_line(FILE* f, char* buf, size_t len, int timeout_ms) {
  struct line_read l = {fileno(f), buf, len, 0, 0};
  int done = th_wait_until(line_done, &l, timeout_ms);
  buf[l.used] = 0;
  return done && !l.eof;
}

Test(consumer, prints_setting_then_reloads, .init = up, .fini = down, .timeout = 30) {
  int pfd[2];
  cr_assert(pipe(pfd) == 0);
  fcntl(pfd[0], F_SETFL, O_NONBLOCK);
  pid_t pid = fork();
  cr_assert(pid >= 0);
  if (pid == 0) {
    dup2(pfd[1], 1);
    close(pfd[0]);
    close(pfd[1]);
    int dn = open("/dev/null", O_WRONLY);
    dup2(dn, 2);
    execl(OMEGA_CONSUMER_PATH, "omega_consumer", "-u", th_R.url, "log_level", (char*)NULL);
    _exit(127);
  }
  close(pfd[1]);
  FILE* f = fdopen(pfd[0], "r");
  char line[256];
  cr_assert(read_line(f, line, sizeof line, 5000), "no output");
  cr_assert_str_eq(line, "log_level=warning");
  th_sleep_ms(100);
  th_publish(&th_R, "{\"LOG_LEVEL\":\"debug\",\"NEW\":1}", 2);
  cr_assert(read_line(f, line, sizeof line, 5000));
  cr_assert_str_eq(line, "reload version=2 changed=HTTP_LOG_LEVEL,LOG_LEVEL,NEW,OTHER");
  cr_assert(read_line(f, line, sizeof line, 5000));
  cr_assert_str_eq(line, "log_level=debug");
  kill(pid, SIGTERM);
  int st = 0;
  if (!th_wait_child(pid, &st, 3000)) {
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    cr_assert_fail("omega_consumer did not exit on SIGTERM");
  }
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
  fclose(f);
}

Test(consumer, once_and_missing_key, .init = up, .fini = down, .timeout = 30) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "'%s' -u '%s' --once NOPE_KEY >/dev/null 2>&1", OMEGA_CONSUMER_PATH, th_R.url);
  int st = system(cmd);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "missing key: status %d", st);
  snprintf(cmd, sizeof cmd, "'%s' -u 'redis://127.0.0.1:1/0' --once X >/dev/null 2>&1", OMEGA_CONSUMER_PATH);
  st = system(cmd);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 3, "unreachable: status %d", st);
}
#endif
