/* redis_server.c — a private redis-server per test: start on a free loopback
 * port, stop, kill, restart, pause (SIGSTOP), and redis-cli against it.
 * See harness.h. */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "th_test.h"

static const char* redis_server_bin(void) {
  const char* b = getenv("OMEGA_TEST_REDIS_SERVER");
  return b && *b ? b : "redis-server";
}

static const char* redis_cli_bin(void) {
  const char* b = getenv("OMEGA_TEST_REDIS_CLI");
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
  if (bind(fd, (struct sockaddr*)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr*)&a, &l) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

/* ---- connecting ---------------------------------------------------------------- */

redisContext* th_redis_connect(th_redis* r, int timeout_ms) {
  struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  redisContext* c;
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
    redisReply* rep = redisCommand(c, "AUTH %s", r->password);
    int ok = rep && rep->type == REDIS_REPLY_STATUS;
    if (rep) freeReplyObject(rep);
    if (!ok) {
      redisFree(c);
      return NULL;
    }
  }
  return c;
}

static int ping_ok(th_redis* r) {
  redisContext* c = th_redis_connect(r, 200);
  if (!c) return 0;
  redisReply* rep = redisCommand(c, "PING");
  int ok = rep && rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "PONG") == 0;
  if (rep) freeReplyObject(rep);
  redisFree(c);
  return ok;
}

/* ---- starting and stopping ------------------------------------------------------ */

struct start_wait {
  th_redis* r;
  int exited;
};

/* Done waiting once the new server answers PING, or once it has exited (e.g.
 * the port was taken meanwhile). */
static int answers_or_exited(void* arg) {
  struct start_wait* w = arg;
  if (waitpid(w->r->pid, NULL, WNOHANG) == w->r->pid) {
    w->exited = 1;
    return 1;
  }
  return ping_ok(w->r);
}

/* Forks and execs redis-server on r->port; returns 1 once it answers PING,
 * 0 if it exited (e.g. the port was taken) or never answered. */
static int spawn_server(th_redis* r) {
  char port[16], logf[320];
  snprintf(port, sizeof port, "%d", r->opts.no_tcp ? 0 : r->port);
  snprintf(logf, sizeof logf, "%s/redis.log", r->dir);
  const char* argv[40];
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
    execvp(argv[0], (char* const*)argv);
    _exit(127);
  }
  r->pid = pid;
  r->paused = 0;
  struct start_wait w = {r, 0};
  if (th_wait_until(answers_or_exited, &w, 10000) && !w.exited) return 1;
  if (!w.exited) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
  }
  r->pid = 0;
  return 0;
}

static void make_url(th_redis* r) {
  if (r->opts.no_tcp) {
    if (r->password[0])
      snprintf(r->url, sizeof r->url, "unix://%s?db=0&password=%s", r->sock, r->password);
    else
      snprintf(r->url, sizeof r->url, "unix://%s", r->sock);
  } else if (r->password[0]) {
    snprintf(r->url, sizeof r->url, "redis://:%s@127.0.0.1:%d/0", r->password, r->port);
  } else {
    snprintf(r->url, sizeof r->url, "redis://127.0.0.1:%d/0", r->port);
  }
}

void th_redis_start(th_redis* r, const th_redis_opts* opts) {
  memset(r, 0, sizeof *r);
  if (opts) r->opts = *opts;
  if (r->opts.requirepass) snprintf(r->password, sizeof r->password, "%s", r->opts.requirepass);
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

/* Sends sig (SIGCONT first if paused) and waits up to grace_ms, then SIGKILL. */
static void reap(th_redis* r, int sig, int grace_ms) {
  if (r->pid <= 0) return;
  if (r->paused) kill(r->pid, SIGCONT);
  r->paused = 0;
  kill(r->pid, sig);
  if (!th_wait_child(r->pid, NULL, grace_ms)) {
    kill(r->pid, SIGKILL);
    waitpid(r->pid, NULL, 0);
  }
  r->pid = 0;
}

void th_redis_stop(th_redis* r) {
  th_writer_reset(r);
  reap(r, SIGTERM, 3000);
  if (r->dir[0]) th_rm_rf(r->dir);
  r->dir[0] = 0;
}

void th_redis_kill(th_redis* r) {
  th_writer_reset(r);
  reap(r, SIGKILL, 3000);
}

void th_redis_start_again(th_redis* r) {
  cr_assert(r->pid == 0, "server still running");
  for (int attempt = 0; attempt < 50; attempt++) {
    if (spawn_server(r)) return;
    th_sleep_ms(50);
  }
  cr_assert_fail("redis-server did not restart on port %d", r->port);
}

void th_redis_restart(th_redis* r, int keep_data) {
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

void th_redis_pause(th_redis* r) {
  cr_assert(r->pid > 0);
  kill(r->pid, SIGSTOP);
  r->paused = 1;
}

void th_redis_resume(th_redis* r) {
  cr_assert(r->pid > 0);
  kill(r->pid, SIGCONT);
  r->paused = 0;
}

/* ---- redis-cli ------------------------------------------------------------------ */

static int run_cli(th_redis* r, char* out, size_t out_len, const char* stdin_file, const char** args, int nargs) {
  const char* argv[64];
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
    execvp(argv[0], (char* const*)argv);
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
    while (used > 0 && (out[used - 1] == '\n' || out[used - 1] == '\r')) out[--used] = 0;
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int th_cli(th_redis* r, char* out, size_t out_len, const char* arg0, ...) {
  const char* args[48];
  int n = 0;
  va_list ap;
  va_start(ap, arg0);
  for (const char* a = arg0; a && n < 48; a = va_arg(ap, const char*)) args[n++] = a;
  va_end(ap);
  return run_cli(r, out, out_len, NULL, args, n);
}

int th_cli_script(th_redis* r, char* out, size_t out_len, const char* script) {
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

struct numsub_wait {
  th_redis* r;
  const char* channel;
  char* out;
  size_t out_len;
};

static int has_one_subscriber(void* arg) {
  struct numsub_wait* w = arg;
  th_cli(w->r, w->out, w->out_len, "PUBSUB", "NUMSUB", w->channel, NULL);
  /* redis-cli prints the channel, then its subscriber count on the next line */
  return strstr(w->out, "\n1") != NULL;
}

int th_wait_subscribed(th_redis* r, const char* channel, char* out, size_t out_len, int timeout_ms) {
  struct numsub_wait w = {r, channel, out, out_len};
  return th_wait_until(has_one_subscriber, &w, timeout_ms);
}
