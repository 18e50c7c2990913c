/* harness.c — private redis-server, redis-cli, a pattern-document writer and
 * reload-callback recorders for the Criterion suites. See harness.h. */
#define _GNU_SOURCE
#include "harness.h"

#include "th_test.h"
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <hiredis.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- small utilities ------------------------------------------------------- */

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

void th_mkdtemp(char *buf, size_t len) {
  const char *base = getenv("TMPDIR");
  if (!base || !*base) base = "/tmp";
  snprintf(buf, len, "%s/omega-ctest-XXXXXX", base);
  cr_assert_not_null(mkdtemp(buf), "mkdtemp(%s): %s", buf, strerror(errno));
}

static int rm_one(const char *path, const struct stat *sb, int flag,
                  struct FTW *ftw) {
  (void)sb; (void)flag; (void)ftw;
  remove(path);
  return 0;
}

void th_rm_rf(const char *path) {
  if (path && *path) nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *redis_server_bin(void) {
  const char *b = getenv("OMEGA_TEST_REDIS_SERVER");
  return b && *b ? b : "redis-server";
}

static const char *redis_cli_bin(void) {
  const char *b = getenv("OMEGA_TEST_REDIS_CLI");
  return b && *b ? b : "redis-cli";
}

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t l = sizeof a;
  int port = -1;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &l) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

/* ---- redis-server ---------------------------------------------------------- */

static redisContext *raw_connect(th_redis *r, int timeout_ms) {
  struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  redisContext *c;
  if (r->opts.no_tcp)
    c = redisConnectUnixWithTimeout(r->sock, tv);
  else
    c = redisConnectWithTimeout("127.0.0.1", r->port, tv);
  if (!c) return NULL;
  if (c->err) {
    redisFree(c);
    return NULL;
  }
  redisSetTimeout(c, tv);
  if (r->password[0]) {
    redisReply *rep = redisCommand(c, "AUTH %s", r->password);
    int ok = rep && rep->type == REDIS_REPLY_STATUS;
    if (rep) freeReplyObject(rep);
    if (!ok) {
      redisFree(c);
      return NULL;
    }
  }
  return c;
}

static int ping_ok(th_redis *r) {
  redisContext *c = raw_connect(r, 200);
  if (!c) return 0;
  redisReply *rep = redisCommand(c, "PING");
  int ok = rep && rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "PONG") == 0;
  if (rep) freeReplyObject(rep);
  redisFree(c);
  return ok;
}

/* Forks and execs redis-server on r->port; returns 1 once it answers PING,
 * 0 if it exited (e.g. the port was taken) or never answered. */
static int spawn_server(th_redis *r) {
  char port[16], logf[320], pidbuf[16];
  snprintf(port, sizeof port, "%d", r->opts.no_tcp ? 0 : r->port);
  snprintf(logf, sizeof logf, "%s/redis.log", r->dir);
  const char *argv[40];
  int n = 0;
  argv[n++] = redis_server_bin();
  argv[n++] = "--port";
  argv[n++] = port;
  argv[n++] = "--bind";
  argv[n++] = "127.0.0.1";
  if (r->opts.ipv6) argv[n++] = "-::1";
  argv[n++] = "--save";
  argv[n++] = "";
  argv[n++] = "--appendonly";
  argv[n++] = "no";
  argv[n++] = "--dir";
  argv[n++] = r->dir;
  argv[n++] = "--dbfilename";
  argv[n++] = "dump.rdb";
  argv[n++] = "--logfile";
  argv[n++] = logf;
  argv[n++] = "--daemonize";
  argv[n++] = "no";
  if (r->opts.requirepass) {
    argv[n++] = "--requirepass";
    argv[n++] = r->opts.requirepass;
  }
  if (r->opts.unixsocket || r->opts.no_tcp) {
    argv[n++] = "--unixsocket";
    argv[n++] = r->sock;
    argv[n++] = "--unixsocketperm";
    argv[n++] = "700";
  }
  argv[n] = NULL;
  (void)pidbuf;

  pid_t parent = getpid();
  pid_t pid = fork();
  cr_assert(pid >= 0, "fork: %s", strerror(errno));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    setpgid(0, 0); /* Criterion's signals to our group never reach it */
    execvp(argv[0], (char *const *)argv);
    _exit(127);
  }
  r->pid = pid;
  r->paused = 0;
  int64_t deadline = th_now_ms() + 10000;
  while (th_now_ms() < deadline) {
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      r->pid = 0;
      return 0;
    }
    if (ping_ok(r)) return 1;
    th_sleep_ms(10);
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  r->pid = 0;
  return 0;
}

static void make_url(th_redis *r) {
  if (r->opts.no_tcp) {
    if (r->password[0])
      snprintf(r->url, sizeof r->url, "unix://%s?db=0&password=%s", r->sock,
               r->password);
    else
      snprintf(r->url, sizeof r->url, "unix://%s", r->sock);
  } else if (r->password[0]) {
    snprintf(r->url, sizeof r->url, "redis://:%s@127.0.0.1:%d/0", r->password,
             r->port);
  } else {
    snprintf(r->url, sizeof r->url, "redis://127.0.0.1:%d/0", r->port);
  }
}

void th_redis_start(th_redis *r, const th_redis_opts *opts) {
  memset(r, 0, sizeof *r);
  if (opts) r->opts = *opts;
  if (r->opts.requirepass)
    snprintf(r->password, sizeof r->password, "%s", r->opts.requirepass);
  th_mkdtemp(r->dir, sizeof r->dir);
  snprintf(r->sock, sizeof r->sock, "%s/redis.sock", r->dir);
  for (int attempt = 0; attempt < 20; attempt++) {
    r->port = free_port();
    cr_assert(r->port > 0, "no free port");
    if (spawn_server(r)) {
      make_url(r);
      return;
    }
  }
  cr_assert_fail("redis-server did not start (is it installed? log in %s)", r->dir);
}

void th_writer_reset(th_redis *r) {
  if (r->writer) redisFree((redisContext *)r->writer);
  r->writer = NULL;
}

static void reap(th_redis *r, int sig, int grace_ms) {
  if (r->pid <= 0) return;
  if (r->paused) kill(r->pid, SIGCONT);
  r->paused = 0;
  kill(r->pid, sig);
  int64_t deadline = th_now_ms() + grace_ms;
  for (;;) {
    int st;
    pid_t w = waitpid(r->pid, &st, WNOHANG);
    if (w == r->pid || (w < 0 && errno == ECHILD)) break;
    if (th_now_ms() > deadline) {
      kill(r->pid, SIGKILL);
      waitpid(r->pid, &st, 0);
      break;
    }
    th_sleep_ms(5);
  }
  r->pid = 0;
}

void th_redis_stop(th_redis *r) {
  th_writer_reset(r);
  reap(r, SIGTERM, 3000);
  if (r->dir[0]) th_rm_rf(r->dir);
  r->dir[0] = 0;
}

void th_redis_kill(th_redis *r) {
  th_writer_reset(r);
  reap(r, SIGKILL, 3000);
}

void th_redis_start_again(th_redis *r) {
  cr_assert(r->pid == 0, "server still running");
  for (int attempt = 0; attempt < 50; attempt++) {
    if (spawn_server(r)) return;
    th_sleep_ms(50);
  }
  cr_assert_fail("redis-server did not restart on port %d", r->port);
}

void th_redis_restart(th_redis *r, int keep_data) {
  if (keep_data) {
    char out[64];
    th_cli(r, out, sizeof out, "SAVE", NULL);
    cr_assert_str_eq(out, "OK", "SAVE before restart");
    th_writer_reset(r);
    reap(r, SIGTERM, 3000);
  } else {
    th_redis_kill(r);
    char dump[320];
    snprintf(dump, sizeof dump, "%s/dump.rdb", r->dir);
    unlink(dump);
  }
  th_redis_start_again(r);
}

void th_redis_pause(th_redis *r) {
  cr_assert(r->pid > 0);
  kill(r->pid, SIGSTOP);
  r->paused = 1;
}

void th_redis_resume(th_redis *r) {
  cr_assert(r->pid > 0);
  kill(r->pid, SIGCONT);
  r->paused = 0;
}

/* ---- redis-cli ------------------------------------------------------------- */

static int run_cli(th_redis *r, char *out, size_t out_len, const char *stdin_file,
                   const char **args, int nargs) {
  const char *argv[64];
  char port[16];
  int n = 0;
  argv[n++] = redis_cli_bin();
  if (r->opts.no_tcp) {
    argv[n++] = "-s";
    argv[n++] = r->sock;
  } else {
    snprintf(port, sizeof port, "%d", r->port);
    argv[n++] = "-h";
    argv[n++] = "127.0.0.1";
    argv[n++] = "-p";
    argv[n++] = port;
  }
  if (r->password[0]) {
    argv[n++] = "--no-auth-warning";
    argv[n++] = "-a";
    argv[n++] = r->password;
  }
  for (int i = 0; i < nargs && n < 63; i++) argv[n++] = args[i];
  argv[n] = NULL;

  int pfd[2];
  cr_assert(pipe(pfd) == 0);
  int in_fd = open(stdin_file ? stdin_file : "/dev/null", O_RDONLY);
  cr_assert(in_fd >= 0, "open %s", stdin_file ? stdin_file : "/dev/null");
  pid_t pid = fork();
  cr_assert(pid >= 0);
  if (pid == 0) {
    dup2(in_fd, 0);
    dup2(pfd[1], 1);
    close(pfd[0]);
    close(pfd[1]);
    close(in_fd);
    execvp(argv[0], (char *const *)argv);
    _exit(127);
  }
  close(pfd[1]);
  close(in_fd);
  char tmp[4096];
  size_t used = 0;
  for (;;) {
    ssize_t k = read(pfd[0], tmp, sizeof tmp);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    if (out && out_len > 1) {
      size_t room = out_len - 1 - used;
      size_t c = (size_t)k < room ? (size_t)k : room;
      memcpy(out + used, tmp, c);
      used += c;
    }
  }
  close(pfd[0]);
  if (out && out_len) {
    out[used] = 0;
    while (used > 0 && (out[used - 1] == '\n' || out[used - 1] == '\r'))
      out[--used] = 0;
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int th_cli(th_redis *r, char *out, size_t out_len, const char *arg0, ...) {
  const char *args[48];
  int n = 0;
  va_list ap;
  va_start(ap, arg0);
  for (const char *a = arg0; a && n < 48; a = va_arg(ap, const char *)) args[n++] = a;
  va_end(ap);
  return run_cli(r, out, out_len, NULL, args, n);
}

int th_cli_script(th_redis *r, char *out, size_t out_len, const char *script) {
  char path[320];
  snprintf(path, sizeof path, "%s/cli-script-XXXXXX", r->dir);
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  size_t len = strlen(script);
  cr_assert((size_t)write(fd, script, len) == len);
  close(fd);
  int rc = run_cli(r, out, out_len, path, NULL, 0);
  unlink(path);
  return rc;
}

/* ---- the writer ------------------------------------------------------------ */

void th_sha256_hex(const void *data, size_t len, char out[65]) {
  static const char hex[] = "0123456789abcdef";
  unsigned char h[crypto_hash_sha256_BYTES];
  if (sodium_init() < 0) abort();
  crypto_hash_sha256(h, (const unsigned char *)data, len);
  for (size_t i = 0; i < sizeof h; i++) {
    out[2 * i] = hex[h[i] >> 4];
    out[2 * i + 1] = hex[h[i] & 15];
  }
  out[64] = 0;
}

static const char *nm(const th_names *n, int which) {
  static const char *defaults[] = {"omega:config", "omega:config:version",
                                   "omega:config:meta", "config_channel"};
  const char *v = NULL;
  if (n) {
    switch (which) {
    case 0: v = n->config_key; break;
    case 1: v = n->version_key; break;
    case 2: v = n->meta_key; break;
    default: v = n->channel; break;
    }
  }
  return v ? v : defaults[which];
}

/* Returns 0 on success, -1 with a message in err. Usable from any thread
 * (no Criterion assertion). */
int th_try_publish(th_redis *r, const th_pub *p, char *err, size_t err_len);

int th_try_publish(th_redis *r, const th_pub *p, char *err, size_t err_len) {
  redisContext *c = (redisContext *)r->writer;
  if (!c) {
    c = raw_connect(r, 2000);
    if (!c) {
      snprintf(err, err_len, "writer cannot connect to redis");
      return -1;
    }
    r->writer = c;
  }
  char ver[32], msg[4096], meta[512], sha[65], ts[64];
  snprintf(ver, sizeof ver, "%lld", (long long)p->version);
  const char *vtext = p->version_text ? p->version_text : ver;
  long long prev = p->prev_version ? (long long)p->prev_version
                                   : (long long)p->version - 1;
  snprintf(msg, sizeof msg,
           "{\"event\":\"updated\",\"version\":\"%s\",\"prev_version\":\"%lld\","
           "\"changed\":%s}",
           vtext, prev, p->changed_json ? p->changed_json : "[]");
  size_t jlen = p->json ? strlen(p->json) : 0;
  if (p->with_meta) {
    if (p->sha256_hex)
      snprintf(sha, sizeof sha, "%s", p->sha256_hex);
    else
      th_sha256_hex(p->json ? p->json : "", jlen, sha);
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    snprintf(meta, sizeof meta,
             "{\"version\":%s,\"epoch\":\"%s\",\"sha256\":\"%s\",\"written_at\":\"%s\"}",
             vtext, p->epoch ? p->epoch : "e1", sha, ts);
  }
  int queued = 0;
  char dbs[16];
  if (p->db > 0) {
    snprintf(dbs, sizeof dbs, "%d", p->db);
    const char *a[] = {"SELECT", dbs};
    redisAppendCommandArgv(c, 2, a, NULL);
    queued++;
  }
  redisAppendCommand(c, "MULTI");
  queued++;
  if (!p->publish_only) {
    const char *a1[] = {"SET", nm(p->names, 0), p->json ? p->json : ""};
    size_t l1[] = {3, strlen(a1[1]), jlen};
    redisAppendCommandArgv(c, 3, a1, l1);
    const char *a2[] = {"SET", nm(p->names, 1), vtext};
    redisAppendCommandArgv(c, 3, a2, NULL);
    queued += 2;
    if (p->with_meta) {
      const char *a3[] = {"SET", nm(p->names, 2), meta};
      redisAppendCommandArgv(c, 3, a3, NULL);
      queued++;
    }
  }
  if (!p->no_publish) {
    const char *a4[] = {"PUBLISH", nm(p->names, 3), msg};
    redisAppendCommandArgv(c, 3, a4, NULL);
    queued++;
  }
  redisAppendCommand(c, "EXEC");
  queued++;
  int rc = 0;
  for (int i = 0; i < queued; i++) {
    redisReply *rep = NULL;
    if (redisGetReply(c, (void **)&rep) != REDIS_OK || !rep) {
      snprintf(err, err_len, "writer: %s", c->errstr);
      th_writer_reset(r);
      return -1;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
      snprintf(err, err_len, "writer: %s", rep->str);
      rc = -1;
    }
    if (i == queued - 1 && rep->type == REDIS_REPLY_ARRAY) {
      for (size_t k = 0; k < rep->elements; k++)
        if (rep->element[k]->type == REDIS_REPLY_ERROR) {
          snprintf(err, err_len, "writer EXEC: %s", rep->element[k]->str);
          rc = -1;
        }
    } else if (i == queued - 1) {
      snprintf(err, err_len, "writer: EXEC did not return an array");
      rc = -1;
    }
    freeReplyObject(rep);
  }
  if (p->db > 0) th_writer_reset(r); /* do not leave the writer on another db */
  return rc;
}

void th_publish_ex(th_redis *r, const th_pub *p) {
  char err[512] = "";
  int rc = th_try_publish(r, p, err, sizeof err);
  cr_assert_eq(rc, 0, "publish v%lld failed: %s", (long long)p->version, err);
}

void th_publish(th_redis *r, const char *json, int64_t version) {
  th_pub p = {0};
  p.json = json;
  p.version = version;
  th_publish_ex(r, &p);
}

void th_publish_meta(th_redis *r, const char *json, int64_t version,
                     const char *epoch) {
  th_pub p = {0};
  p.json = json;
  p.version = version;
  p.with_meta = 1;
  p.epoch = epoch;
  th_publish_ex(r, &p);
}

/* ---- handles --------------------------------------------------------------- */

void th_status(omega_cfg *cfg, omega_cfg_status *st) {
  omega_cfg_status init = OMEGA_CFG_STATUS_INIT;
  *st = init;
  int rc = omega_cfg_get_status(cfg, st);
  cr_assert_eq(rc, OMEGA_OK, "omega_cfg_get_status: %d %s", rc, omega_last_error());
}

int th_wait_version(omega_cfg *cfg, int64_t v, int timeout_ms) {
  int64_t deadline = th_now_ms() + timeout_ms;
  for (;;) {
    omega_cfg_status st = OMEGA_CFG_STATUS_INIT;
    if (omega_cfg_get_status(cfg, &st) == OMEGA_OK && st.version == v) return 1;
    if (th_now_ms() > deadline) return 0;
    th_sleep_ms(5);
  }
}

int th_wait_state(omega_cfg *cfg, int state, int timeout_ms) {
  int64_t deadline = th_now_ms() + timeout_ms;
  for (;;) {
    omega_cfg_status st = OMEGA_CFG_STATUS_INIT;
    if (omega_cfg_get_status(cfg, &st) == OMEGA_OK && st.state == state) return 1;
    if (th_now_ms() > deadline) return 0;
    th_sleep_ms(5);
  }
}

omega_cfg_options th_fast_opts(th_redis *r) {
  omega_cfg_options o = OMEGA_CFG_OPTIONS_INIT;
  o.redis_url = r ? r->url : NULL;
  o.connect_timeout_ms = 500;
  o.command_timeout_ms = 500;
  o.poll_interval_ms = 200;
  o.heartbeat_ms = 200;
  o.reconnect_max_ms = 300;
  return o;
}

omega_cfg *th_open(th_redis *r, omega_cfg_options *opts) {
  omega_cfg_options o = opts ? *opts : th_fast_opts(r);
  if (!o.redis_url && r) o.redis_url = r->url;
  omega_cfg *cfg = NULL;
  int rc = omega_cfg_open(&o, &cfg);
  cr_assert_eq(rc, OMEGA_OK, "omega_cfg_open(%s): %d %s (%s)",
               o.redis_url ? o.redis_url : "(default)", rc, omega_strerror(rc),
               omega_last_error());
  cr_assert_not_null(cfg);
  return cfg;
}

const char *th_get(omega_cfg *cfg, const char *key) {
  static __thread char buf[4096];
  size_t len = 0;
  int rc = omega_cfg_get(cfg, key, buf, sizeof buf, &len);
  if (rc != OMEGA_OK) snprintf(buf, sizeof buf, "<%d>", rc);
  return buf;
}

/* ---- recorder -------------------------------------------------------------- */

void th_recorder_init(th_recorder *rec, omega_cfg *cfg, const char *probe_key) {
  memset(rec, 0, sizeof *rec);
  pthread_mutex_t *mu = malloc(sizeof *mu);
  pthread_cond_t *cv = malloc(sizeof *cv);
  cr_assert(mu && cv);
  pthread_mutex_init(mu, NULL);
  pthread_cond_init(cv, NULL);
  rec->mu = mu;
  rec->cv = cv;
  rec->cfg = cfg;
  rec->probe_key = probe_key;
}

void th_recorder_free(th_recorder *rec) {
  if (!rec->mu) return;
  pthread_mutex_destroy((pthread_mutex_t *)rec->mu);
  pthread_cond_destroy((pthread_cond_t *)rec->cv);
  free(rec->mu);
  free(rec->cv);
  rec->mu = rec->cv = NULL;
}

void th_recorder_cb(int64_t version, const char *const *changed_keys,
                    size_t n_changed, const omega_snapshot *snapshot,
                    void *user_data) {
  th_recorder *rec = (th_recorder *)user_data;
  pthread_mutex_t *mu = (pthread_mutex_t *)rec->mu;
  th_event e;
  memset(&e, 0, sizeof e);
  e.version = version;
  e.snap_version = omega_snapshot_version(snapshot);
  e.n_changed = n_changed;
  e.thread_id = (unsigned long)pthread_self();
  size_t used = 0;
  for (size_t i = 0; i < n_changed; i++) {
    int k = snprintf(e.changed + used, sizeof e.changed - used, "%s%s",
                     i ? "," : "", changed_keys[i] ? changed_keys[i] : "(null)");
    if (k < 0 || (size_t)k >= sizeof e.changed - used) break;
    used += (size_t)k;
  }
  if (rec->probe_key) {
    const char *v = NULL;
    int rc = omega_snapshot_get(snapshot, rec->probe_key, &v, NULL);
    if (rc == OMEGA_OK)
      snprintf(e.probe, sizeof e.probe, "%.255s", v);
    else
      snprintf(e.probe, sizeof e.probe, "<%d>", rc);
    if (rec->cfg)
      snprintf(e.probe_via_cfg, sizeof e.probe_via_cfg, "%.255s",
               th_get(rec->cfg, rec->probe_key));
  }
  pthread_mutex_lock(mu);
  if (rec->n < TH_MAX_EVENTS) rec->ev[rec->n] = e;
  rec->n++;
  rec->inside = 1;
  pthread_cond_broadcast((pthread_cond_t *)rec->cv);
  pthread_mutex_unlock(mu);

  if (rec->sleep_ms) th_sleep_ms(rec->sleep_ms);
  if (rec->unregister_self && rec->cfg) {
    int rc = omega_cfg_off_reload(rec->cfg, rec->token);
    pthread_mutex_lock(mu);
    rec->self_off_rc = rc;
    pthread_mutex_unlock(mu);
  }

  pthread_mutex_lock(mu);
  rec->inside = 0;
  rec->finished++;
  pthread_cond_broadcast((pthread_cond_t *)rec->cv);
  pthread_mutex_unlock(mu);
}

void th_recorder_destroy(void *user_data) {
  th_recorder *rec = (th_recorder *)user_data;
  pthread_mutex_lock((pthread_mutex_t *)rec->mu);
  rec->destroyed++;
  pthread_cond_broadcast((pthread_cond_t *)rec->cv);
  pthread_mutex_unlock((pthread_mutex_t *)rec->mu);
}

void th_recorder_register(th_recorder *rec, omega_cfg *cfg) {
  uint64_t tok = 0;
  /* the token is written before any callback can read it: hold the lock */
  pthread_mutex_lock((pthread_mutex_t *)rec->mu);
  int rc = omega_cfg_on_reload(cfg, th_recorder_cb, rec, th_recorder_destroy, &tok);
  rec->token = tok;
  pthread_mutex_unlock((pthread_mutex_t *)rec->mu);
  cr_assert_eq(rc, OMEGA_OK, "omega_cfg_on_reload: %d %s", rc, omega_last_error());
  cr_assert_neq(tok, 0, "token must never be 0");
}

int th_recorder_wait_version(th_recorder *rec, int64_t v, int timeout_ms) {
  pthread_mutex_t *mu = (pthread_mutex_t *)rec->mu;
  int64_t deadline = th_now_ms() + timeout_ms;
  pthread_mutex_lock(mu);
  for (;;) {
    int n = rec->n < TH_MAX_EVENTS ? rec->n : TH_MAX_EVENTS;
    if (n > 0 && rec->ev[n - 1].version >= v && !rec->inside) break;
    if (th_now_ms() > deadline) {
      pthread_mutex_unlock(mu);
      return 0;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 5 * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait((pthread_cond_t *)rec->cv, mu, &ts);
  }
  pthread_mutex_unlock(mu);
  return 1;
}

int th_recorder_count(th_recorder *rec) {
  pthread_mutex_lock((pthread_mutex_t *)rec->mu);
  int n = rec->n;
  pthread_mutex_unlock((pthread_mutex_t *)rec->mu);
  return n;
}

th_event th_recorder_event(th_recorder *rec, int i) {
  th_event e;
  pthread_mutex_lock((pthread_mutex_t *)rec->mu);
  cr_assert(i >= 0 && i < rec->n && i < TH_MAX_EVENTS, "no event %d (have %d)", i, rec->n);
  e = rec->ev[i];
  pthread_mutex_unlock((pthread_mutex_t *)rec->mu);
  return e;
}

int th_recorder_destroyed(th_recorder *rec) {
  pthread_mutex_lock((pthread_mutex_t *)rec->mu);
  int d = rec->destroyed;
  pthread_mutex_unlock((pthread_mutex_t *)rec->mu);
  return d;
}

int th_recorder_inside(th_recorder *rec) {
  pthread_mutex_lock((pthread_mutex_t *)rec->mu);
  int d = rec->inside;
  pthread_mutex_unlock((pthread_mutex_t *)rec->mu);
  return d;
}

int th_recorder_finished(th_recorder *rec) {
  pthread_mutex_lock((pthread_mutex_t *)rec->mu);
  int d = rec->finished;
  pthread_mutex_unlock((pthread_mutex_t *)rec->mu);
  return d;
}

int th_recorder_wait_inside(th_recorder *rec, int timeout_ms) {
  int64_t deadline = th_now_ms() + timeout_ms;
  while (!th_recorder_inside(rec)) {
    if (th_now_ms() > deadline) return 0;
    th_sleep_ms(1);
  }
  return 1;
}

int th_thread_count(void) {
  DIR *d = opendir("/proc/self/task");
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}
