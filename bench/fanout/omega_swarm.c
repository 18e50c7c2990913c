/*
 * omega-swarm — many omega_cfg handles in one process, each reporting what it installs.
 *
 *   omega-swarm --url URL [--handles N] [--prefix P] [--key KEY] [--open-threads T]
 *               [--max-seconds S] [--fast] [--service NAME]
 *
 * Opens N handles on URL (T threads open them in parallel), then prints, one line each:
 *   open <n_ok> <n_failed> <ms>          once every handle is open (failed: omega_cfg_open failed)
 *   v <idx> <version> <realtime_ns> <value-of-KEY|->
 *                                        from each handle's reload callback (the first line of
 *                                        a handle is its open version, with the open time)
 *   s <idx> <STATE> <version> <ms_since_sync> <last_error>    on SIGUSR1, then "s-end"
 *   f <idx> <STATE> <version> <ms_since_sync> <last_error>    at exit, then "f-end"
 * It stops on SIGTERM/SIGINT, when stdin reaches EOF, or after --max-seconds (default 600),
 * and dies with its parent (PR_SET_PDEATHSIG). The realtime timestamps let a driver on the
 * same machine compare them with the time it ran EXEC (bench/fanout/fanout.py); the failover
 * drill (tests/python/test_failover_drill.py) uses it as its set of C readers.
 * --fast: connect/command timeouts 500 ms, poll 500 ms, heartbeat 250 ms, reconnect cap 500 ms.
 */
#define _GNU_SOURCE
#include <omega_config.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static omega_cfg** handles;
static size_t n_handles;
static const char* watched_key = "";

/* Output: callbacks append under a lock, one thread writes every 20 ms. */
static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;
static char* out_buf;
static size_t out_len, out_cap;

static void out_append(const char* s, size_t n) {
  pthread_mutex_lock(&out_mu);
  if (out_len + n > out_cap) {
    size_t cap = out_cap ? out_cap * 2 : 1 << 16;
    while (cap < out_len + n) cap *= 2;
    char* grown = realloc(out_buf, cap);
    if (!grown) abort();
    out_buf = grown;
    out_cap = cap;
  }
  memcpy(out_buf + out_len, s, n);
  out_len += n;
  pthread_mutex_unlock(&out_mu);
}

static void out_printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static void out_printf(const char* fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof line) n = sizeof line - 1;
  out_append(line, (size_t)n);
}

static void out_flush(void) {
  pthread_mutex_lock(&out_mu);
  size_t done = 0;
  while (done < out_len) {
    ssize_t w = write(STDOUT_FILENO, out_buf + done, out_len - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break; /* the reader is gone: drop it */
    done += (size_t)w;
  }
  out_len = 0;
  pthread_mutex_unlock(&out_mu);
}

static atomic_int stopping;

static void* flusher(void* arg) {
  (void)arg;
  while (!atomic_load(&stopping)) {
    out_flush();
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return NULL;
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void report_value(size_t idx, int64_t version, long long t, const omega_snapshot* snap) {
  const char* value = NULL;
  if (!*watched_key || omega_snapshot_get(snap, watched_key, &value, NULL) != OMEGA_OK) value = "-";
  out_printf("v %zu %lld %lld %.200s\n", idx, (long long)version, t, value);
}

static void on_reload(int64_t version, const char* const* changed, size_t n, const omega_snapshot* snap, void* ud) {
  (void)changed;
  (void)n;
  report_value((size_t)(uintptr_t)ud, version, now_ns(), snap);
}

static void report_status(char tag) {
  for (size_t i = 0; i < n_handles; i++) {
    if (!handles[i]) continue;
    omega_cfg_status st = OMEGA_CFG_STATUS_INIT;
    if (omega_cfg_get_status(handles[i], &st) != OMEGA_OK) continue;
    for (char* c = st.last_error; *c; c++)
      if (*c == '\n') *c = ' ';
    out_printf("%c %zu %s %lld %lld %s\n", tag, i, omega_state_name(st.state), (long long)st.version,
               (long long)st.ms_since_sync, st.last_error);
  }
  out_printf("%c-end\n", tag);
  out_flush();
}

static omega_cfg_options opts;
static atomic_size_t next_to_open, opened_ok, open_failed;

static void* opener(void* arg) {
  (void)arg;
  for (;;) {
    size_t i = atomic_fetch_add(&next_to_open, 1);
    if (i >= n_handles) return NULL;
    omega_cfg* cfg = NULL;
    int rc = omega_cfg_open(&opts, &cfg);
    if (rc != OMEGA_OK) {
      atomic_fetch_add(&open_failed, 1);
      out_printf("e %zu %s %s\n", i, omega_strerror(rc), omega_last_error());
      continue;
    }
    /* The open version, then every reload. Registering after open can miss nothing: the
     * callback sees only later versions, and the open version is printed here first. */
    omega_snapshot* snap = NULL;
    if (omega_cfg_snapshot(cfg, &snap) == OMEGA_OK) {
      report_value(i, omega_snapshot_version(snap), now_ns(), snap);
      omega_snapshot_release(snap);
    }
    uint64_t token = 0;
    omega_cfg_on_reload(cfg, on_reload, (void*)(uintptr_t)i, NULL, &token);
    handles[i] = cfg;
    atomic_fetch_add(&opened_ok, 1);
  }
}

static void* stdin_watch(void* arg) {
  (void)arg;
  char buf[256];
  while (read(STDIN_FILENO, buf, sizeof buf) > 0) {
  }
  kill(getpid(), SIGTERM);
  return NULL;
}

static int usage(void) {
  fprintf(stderr,
          "usage: omega-swarm --url URL [--handles N] [--prefix P] [--key KEY] [--open-threads T]\n"
          "                   [--max-seconds S] [--fast] [--service NAME] [--close]\n");
  return 2;
}

int main(int argc, char** argv) {
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  opts = (omega_cfg_options)OMEGA_CFG_OPTIONS_INIT;
  size_t n = 1, open_threads = 8;
  unsigned max_seconds = 600;
  int close_at_exit = 0;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--fast")) {
      opts.connect_timeout_ms = opts.command_timeout_ms = 500;
      opts.poll_interval_ms = 500;
      opts.heartbeat_ms = 250;
      opts.reconnect_max_ms = 500;
      continue;
    }
    if (!strcmp(a, "--close")) {
      close_at_exit = 1;
      continue;
    }
    if (!v) return usage();
    i++;
    if (!strcmp(a, "--url"))
      opts.redis_url = v;
    else if (!strcmp(a, "--handles"))
      n = strtoul(v, NULL, 10);
    else if (!strcmp(a, "--prefix"))
      opts.namespace_prefix = v;
    else if (!strcmp(a, "--key"))
      watched_key = v;
    else if (!strcmp(a, "--open-threads"))
      open_threads = strtoul(v, NULL, 10);
    else if (!strcmp(a, "--max-seconds"))
      max_seconds = (unsigned)strtoul(v, NULL, 10);
    else if (!strcmp(a, "--service"))
      opts.service_name = v;
    else if (!strcmp(a, "--poll-ms"))
      opts.poll_interval_ms = (unsigned)strtoul(v, NULL, 10);
    else
      return usage();
  }
  if (!opts.redis_url || n == 0 || open_threads == 0) return usage();

  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGUSR1);
  sigaddset(&sigs, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* every thread inherits it; main takes them */
  signal(SIGPIPE, SIG_IGN);

  handles = calloc(n, sizeof *handles);
  n_handles = n;
  pthread_t out_thread, in_thread;
  pthread_create(&out_thread, NULL, flusher, NULL);
  pthread_create(&in_thread, NULL, stdin_watch, NULL);
  pthread_detach(in_thread);
  alarm(max_seconds);

  long long t0 = now_ns();
  if (open_threads > n) open_threads = n;
  pthread_t* openers = calloc(open_threads, sizeof *openers);
  for (size_t i = 0; i < open_threads; i++) pthread_create(&openers[i], NULL, opener, NULL);
  for (size_t i = 0; i < open_threads; i++) pthread_join(openers[i], NULL);
  free(openers);
  out_printf("open %zu %zu %lld\n", atomic_load(&opened_ok), atomic_load(&open_failed), (now_ns() - t0) / 1000000);
  out_flush();

  for (;;) {
    int sig = 0;
    if (sigwait(&sigs, &sig) != 0) continue;
    if (sig == SIGUSR1) {
      report_status('s');
      continue;
    }
    break;
  }
  report_status('f');
  if (close_at_exit) {
    for (size_t i = 0; i < n_handles; i++) omega_cfg_close(handles[i]);
  }
  atomic_store(&stopping, 1);
  pthread_join(out_thread, NULL);
  out_flush();
  _exit(0); /* thousands of handles: the process exit closes their sockets at once */
}
