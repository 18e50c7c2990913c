/*
 * harness.h — the one header of the libomega_config Criterion suites.
 *
 * Starts a private redis-server on a free 127.0.0.1 port (no persistence
 * unless asked, its own temp --dir), stops, pauses (SIGSTOP/SIGCONT) and
 * restarts it, runs redis-cli commands, and publishes snapshots exactly as
 * the pattern document's plain writer would (MULTI; SET omega:config; SET
 * omega:config:version; PUBLISH config_channel; EXEC), optionally with
 * omega:config:meta {"version","epoch","sha256","written_at"}.
 *
 * Every redis-server child gets PR_SET_PDEATHSIG=SIGKILL, so a test process
 * that crashes or times out never leaves a server behind.
 *
 * Each section below names the file that implements it; everything those
 * files export is declared here (they build with -Wmissing-prototypes).
 */
#ifndef OMEGA_TEST_HARNESS_H
#define OMEGA_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "omega_config.h"

#ifdef __cplusplus
extern "C" {
#endif

struct redisContext; /* hiredis */

/* ---- util.c: time, waiting, temp dirs, children, threads -------------------- */

int64_t th_now_ms(void);
void th_sleep_ms(int ms);

/* A condition to wait for: non-zero once it holds. */
typedef int (*th_predicate)(void* arg);
/* How often th_wait_until looks again. */
#define TH_POLL_MS 5
/* Calls pred(arg) every TH_POLL_MS until it returns non-zero (returns 1) or
 * timeout_ms have passed (returns 0). pred is called at least once. Every
 * wait of the harness goes through here. */
int th_wait_until(th_predicate pred, void* arg, int timeout_ms);

/* Waits for the child pid to exit and reaps it: 1 (and *status when status
 * != NULL) once it has, 0 if it is still running after timeout_ms. */
int th_wait_child(pid_t pid, int* status, int timeout_ms);

/* Creates a fresh temp dir (/tmp/omega-ctest-XXXXXX) into buf. */
void th_mkdtemp(char* buf, size_t len);
void th_rm_rf(const char* path);

/* Threads of this process now (/proc/self/task). */
int th_thread_count(void);

/* ---- redis_server.c: a private redis-server, redis-cli ---------------------- */

typedef struct th_redis_opts {
  const char* requirepass; /* --requirepass */
  int unixsocket;          /* also listen on <dir>/redis.sock */
  int no_tcp;              /* --port 0 (unix socket only) */
  int ipv6;                /* also bind ::1 (optional bind "-::1") */
} th_redis_opts;

typedef struct th_redis {
  pid_t pid;
  int port;
  char dir[256];  /* its --dir (temp, removed by th_redis_stop) */
  char sock[320]; /* unix socket path when opts.unixsocket */
  char password[128];
  th_redis_opts opts;
  char url[512]; /* redis://127.0.0.1:PORT/0 or unix://... */
  void* writer;  /* lazily connected hiredis context (th_publish*) */
  int paused;
} th_redis;

/* Starts a server; fails the current test (cr_assert) if it cannot. */
void th_redis_start(th_redis* r, const th_redis_opts* opts);
/* Stops it (SIGCONT, SIGTERM, then SIGKILL after 3 s), removes its dir. */
void th_redis_stop(th_redis* r);
/* SIGKILL without saving; the data dir stays (for a restart). */
void th_redis_kill(th_redis* r);
/* Restarts on the same port and dir. keep_data: SAVE first (the dump is
 * reloaded); otherwise SIGKILL and delete the dump: the data is lost. */
void th_redis_restart(th_redis* r, int keep_data);
/* Starts again after th_redis_kill / a stop that kept the dir. */
void th_redis_start_again(th_redis* r);
void th_redis_pause(th_redis* r);  /* SIGSTOP */
void th_redis_resume(th_redis* r); /* SIGCONT */

/* Runs `redis-cli -p PORT [-a PW] args...` (NULL-terminated). Captures
 * stdout (trimmed of trailing newlines) into out when out != NULL.
 * Returns the exit code. */
int th_cli(th_redis* r, char* out, size_t out_len, const char* arg0, ...);
/* Pipes script (commands one per line) to one redis-cli connection. */
int th_cli_script(th_redis* r, char* out, size_t out_len, const char* script);
/* Waits until `PUBSUB NUMSUB channel` reports one subscriber; the last reply
 * is left in out (for the failure message). Returns 1, or 0 on timeout. */
int th_wait_subscribed(th_redis* r, const char* channel, char* out, size_t out_len, int timeout_ms);
/* A hiredis connection to the server (AUTH done when it has a password), or
 * NULL. The caller frees it with redisFree. */
struct redisContext* th_redis_connect(th_redis* r, int timeout_ms);

/* ---- publish.c: the plain writer -------------------------------------------- */

/* Names the writer uses; NULL fields -> the defaults. */
typedef struct th_names {
  const char* config_key;  /* omega:config */
  const char* version_key; /* omega:config:version */
  const char* meta_key;    /* omega:config:meta */
  const char* channel;     /* config_channel */
} th_names;

typedef struct th_pub {
  const char* json; /* the snapshot bytes, verbatim */
  int64_t version;
  int64_t prev_version;     /* for the message; 0 -> version - 1 */
  const char* changed_json; /* JSON array for the message; NULL -> [] */
  const char* version_text; /* overrides the version key's value */
  int with_meta;            /* also SET the meta key */
  const char* epoch;        /* meta epoch (default "e1") */
  const char* sha256_hex;   /* overrides the computed sha256 */
  const char* seal_key_id;  /* meta "seal_key_id" (NULL: none) */
  int no_publish;           /* write without PUBLISH (a missed message) */
  int publish_only;         /* PUBLISH without writing */
  const th_names* names;
  int db; /* SELECT db first when > 0 */
} th_pub;

/* Publishes atomically in one MULTI/EXEC through hiredis. Fails the test on
 * a Redis error. */
void th_publish_ex(th_redis* r, const th_pub* p);
/* The same without a Criterion assertion, so usable from any thread: returns
 * 0, or -1 with a message in err. */
int th_try_publish(th_redis* r, const th_pub* p, char* err, size_t err_len);
/* The plain writer: snapshot + version + PUBLISH, no meta. */
void th_publish(th_redis* r, const char* json, int64_t version);
/* The same plus omega:config:meta with the given epoch and the real sha256. */
void th_publish_meta(th_redis* r, const char* json, int64_t version, const char* epoch);
/* Hex sha256 of len bytes (libsodium). out: 65 bytes. */
void th_sha256_hex(const void* data, size_t len, char out[65]);
/* Drops the writer connection (it reconnects on the next publish). */
void th_writer_reset(th_redis* r);

/* ---- seal.c: sealed secrets, from the format in docs/wire.md ----------------- */

typedef struct th_seal_key {
  char id[65];
  unsigned char bytes[32];
} th_seal_key;

/* A key named id whose 32 bytes are all `fill` (different fills: different keys). */
th_seal_key th_seal_key_make(const char* id, unsigned char fill);
/* "omega:sealed:v1:<base64(nonce||ciphertext)>" of value_json (the value as
 * JSON text: a string keeps its quotes) sealed for setting. Caller frees. */
char* th_seal(const th_seal_key* key, const char* setting, const char* value_json);
/* Writes a seal key file at path (`ID:BASE64` lines; keys[0] seals), then
 * chmods it to mode. Fails the test if it cannot. */
void th_write_key_file(const char* path, unsigned mode, const th_seal_key* keys, size_t n);

/* ---- handles.c: handles, status, values ------------------------------------ */

/* Polls omega_cfg_get_status until version == v (th_wait_version) or
 * state == state (th_wait_state). Returns 1 on success, 0 on timeout. */
int th_wait_version(omega_cfg* cfg, int64_t v, int timeout_ms);
int th_wait_state(omega_cfg* cfg, int state, int timeout_ms);
/* Fills a status (struct_version set); fails the test if get_status fails. */
void th_status(omega_cfg* cfg, omega_cfg_status* st);
/* Opens with the given opts (redis_url defaulted to r->url; opts NULL:
 * th_fast_opts(r)); asserts OK. */
omega_cfg* th_open(th_redis* r, omega_cfg_options* opts);
/* Options with small timeouts suited to tests (poll 200 ms, heartbeat 200 ms,
 * reconnect cap 300 ms, connect/command 500 ms). */
omega_cfg_options th_fast_opts(th_redis* r);
/* Copies omega_cfg_get's value into a static per-thread buffer ("<rc>" on
 * failure, e.g. "<-2>"). */
const char* th_get(omega_cfg* cfg, const char* key);

/* ---- recorder.c: recording reload callbacks --------------------------------- */

#define TH_MAX_EVENTS 256
typedef struct th_event {
  int64_t version;
  int64_t snap_version; /* omega_snapshot_version(snapshot) */
  char changed[1024];   /* changed keys joined by ',' */
  size_t n_changed;
  char probe[256];         /* value of probe_key in the callback's snapshot */
  char probe_via_cfg[256]; /* omega_cfg_get(probe_key) from inside */
  unsigned long thread_id;
} th_event;

typedef struct th_recorder {
  void* mu;              /* pthread_mutex_t*, opaque here */
  omega_cfg* cfg;        /* for probe_via_cfg; may be NULL */
  const char* probe_key; /* may be NULL */
  int sleep_ms;          /* sleep inside the callback */
  int unregister_self;   /* off_reload(own token) from inside */
  int self_off_rc;       /* what that off_reload returned */
  uint64_t token;
  int destroyed; /* times destroy ran */
  int n;         /* callbacks seen */
  int inside;    /* a callback is running now */
  int finished;  /* callbacks that returned */
  th_event ev[TH_MAX_EVENTS];
} th_recorder;

void th_recorder_init(th_recorder* rec, omega_cfg* cfg, const char* probe_key);
void th_recorder_free(th_recorder* rec);
/* The omega_reload_fn and destroy functions for a th_recorder user_data. */
void th_recorder_cb(int64_t version, const char* const* changed_keys, size_t n_changed, const omega_snapshot* snapshot,
                    void* user_data);
void th_recorder_destroy(void* user_data);
/* Registers it (asserts OK). */
void th_recorder_register(th_recorder* rec, omega_cfg* cfg);
/* Reads under the lock. */
int th_recorder_count(th_recorder* rec);
/* Copies event i under the lock. */
th_event th_recorder_event(th_recorder* rec, int i);
int th_recorder_destroyed(th_recorder* rec);
int th_recorder_inside(th_recorder* rec);
int th_recorder_finished(th_recorder* rec);
/* Waits (1, or 0 on timeout) until a callback for version >= v has returned, */
int th_recorder_wait_version(th_recorder* rec, int64_t v, int timeout_ms);
/* ... until at least n callbacks have started, */
int th_recorder_wait_count(th_recorder* rec, int n, int timeout_ms);
/* ... until a callback is running right now, */
int th_recorder_wait_inside(th_recorder* rec, int timeout_ms);
/* ... until destroy has run. */
int th_recorder_wait_destroyed(th_recorder* rec, int timeout_ms);

/* ---- suite.c: the shared suite fixture -------------------------------------- */

/* The server and the handle of the suites' .init/.fini: th_suite_redis_up
 * starts th_R; a suite's own init then seeds it and opens th_CFG as it needs.
 * th_suite_redis_down closes th_CFG (if opened) and stops th_R. */
extern th_redis th_R;
extern omega_cfg* th_CFG;
void th_suite_redis_up(void);
void th_suite_redis_down(void);

#ifdef __cplusplus
}
#endif

#endif /* OMEGA_TEST_HARNESS_H */
