/* test_args.c — versions, status strings, per-thread last error, and NULL or
 * invalid arguments for every public function of omega_config.h. */
#include <pthread.h>
#include <string.h>
#include "th_test.h"

#include "harness.h"

/* For the tests that need a handle (not every test here does). */
static void up(void) {
  th_suite_redis_up();
  th_publish(&th_R, "{\"NAME\":\"omega\",\"TIMEOUT\":30}", 1);
  th_CFG = th_open(&th_R, NULL);
}

TestSuite(args, .timeout = 20);

/* ---- versions and static strings ----------------------------------------- */

Test(args, version_functions) {
  cr_assert_eq(OMEGA_CONFIG_VERSION_NUMBER,
               OMEGA_CONFIG_VERSION_MAJOR * 10000 + OMEGA_CONFIG_VERSION_MINOR * 100 + OMEGA_CONFIG_VERSION_PATCH);
  cr_assert_eq(omega_version_number(), OMEGA_CONFIG_VERSION_NUMBER);
  char expect[32];
  snprintf(expect, sizeof expect, "%d.%d.%d", OMEGA_CONFIG_VERSION_MAJOR, OMEGA_CONFIG_VERSION_MINOR,
           OMEGA_CONFIG_VERSION_PATCH);
  cr_assert_str_eq(omega_version_string(), expect);
  /* static: the same pointer every time */
  cr_assert_eq(omega_version_string(), omega_version_string());
}

Test(args, strerror_every_code) {
  static const int codes[] = {OMEGA_OK,      OMEGA_E_INVALID_ARG,  OMEGA_E_NOT_FOUND,    OMEGA_E_BUFFER_TOO_SMALL,
                              OMEGA_E_TYPE,  OMEGA_E_MISSING_KEYS, OMEGA_E_UNAVAILABLE,  OMEGA_E_BAD_URL,
                              OMEGA_E_NOMEM, OMEGA_E_INTERNAL,     OMEGA_E_BAD_SNAPSHOT, OMEGA_E_NO_SUCH_TOKEN,
                              OMEGA_E_SEALED};
  const size_t n = sizeof codes / sizeof codes[0];
  /* pinned values */
  cr_assert_eq(OMEGA_E_INVALID_ARG, -1);
  cr_assert_eq(OMEGA_E_NO_SUCH_TOKEN, -11);
  cr_assert_eq(OMEGA_E_SEALED, -12);
  for (size_t i = 0; i < n; i++) {
    const char* s = omega_strerror(codes[i]);
    cr_assert_not_null(s, "strerror(%d) is NULL", codes[i]);
    cr_assert_gt(strlen(s), 0, "strerror(%d) is empty", codes[i]);
    cr_assert_eq(s, omega_strerror(codes[i]), "strerror(%d) is not static", codes[i]);
    for (size_t j = 0; j < i; j++)
      cr_assert_str_neq(s, omega_strerror(codes[j]), "strerror(%d) == strerror(%d) == \"%s\"", codes[i], codes[j], s);
  }
  /* unknown codes still give a usable string, distinct from every known one */
  const int unknown[] = {1, 42, -13, -999, -2147483647 - 1};
  for (size_t u = 0; u < sizeof unknown / sizeof unknown[0]; u++) {
    const char* s = omega_strerror(unknown[u]);
    cr_assert_not_null(s, "strerror(%d)", unknown[u]);
    for (size_t j = 0; j < n; j++)
      cr_assert_str_neq(s, omega_strerror(codes[j]), "unknown %d reads as known %d", unknown[u], codes[j]);
  }
}

Test(args, state_names) {
  cr_assert_eq(OMEGA_STATE_READY, 0);
  cr_assert_eq(OMEGA_STATE_STALE, 1);
  cr_assert_eq(OMEGA_STATE_ERROR, 2);
  cr_assert_str_eq(omega_state_name(OMEGA_STATE_READY), "READY");
  cr_assert_str_eq(omega_state_name(OMEGA_STATE_STALE), "STALE");
  cr_assert_str_eq(omega_state_name(OMEGA_STATE_ERROR), "ERROR");
  cr_assert_eq(omega_state_name(1), omega_state_name(1));
  const int bad[] = {-1, 3, 1000};
  for (size_t i = 0; i < 3; i++) {
    const char* s = omega_state_name(bad[i]);
    cr_assert_not_null(s);
    cr_assert(strcmp(s, "READY") && strcmp(s, "STALE") && strcmp(s, "ERROR"), "state %d named \"%s\"", bad[i], s);
  }
}

/* ---- last error per thread -------------------------------------------------- */

struct le_arg {
  int rc;
  char before[64];
  char after[512];
};

static void* fail_in_thread(void* p) {
  struct le_arg* a = p;
  snprintf(a->before, sizeof a->before, "%s", omega_last_error());
  omega_cfg* out = (omega_cfg*)0x1;
  omega_cfg_options o = OMEGA_CFG_OPTIONS_INIT;
  o.redis_url = "http://not-redis/";
  a->rc = omega_cfg_open(&o, &out);
  snprintf(a->after, sizeof a->after, "%s", omega_last_error());
  return NULL;
}

Test(args, last_error_is_per_thread) {
  /* a fresh thread starts with "" */
  cr_assert_not_null(omega_last_error());
  cr_assert_str_eq(omega_last_error(), "");

  /* fail here with INVALID_ARG */
  cr_assert_eq(omega_cfg_open(NULL, NULL), OMEGA_E_INVALID_ARG);
  char mine[512];
  snprintf(mine, sizeof mine, "%s", omega_last_error());
  cr_assert_gt(strlen(mine), 0, "no message after a failed call");

  /* another thread fails differently; it sees only its own message */
  struct le_arg a;
  memset(&a, 0, sizeof a);
  pthread_t t;
  pthread_create(&t, NULL, fail_in_thread, &a);
  pthread_join(t, NULL);
  cr_assert_eq(a.rc, OMEGA_E_BAD_URL);
  cr_assert_str_eq(a.before, "", "a new thread saw another thread's error: %s", a.before);
  cr_assert_gt(strlen(a.after), 0);
  cr_assert_str_neq(a.after, mine);
  /* ... and ours is untouched */
  cr_assert_str_eq(omega_last_error(), mine);
}

Test(args, last_error_names_bad_url) {
  omega_cfg_options o = OMEGA_CFG_OPTIONS_INIT;
  o.redis_url = "ftp://example";
  omega_cfg* out = NULL;
  cr_assert_eq(omega_cfg_open(&o, &out), OMEGA_E_BAD_URL);
  cr_assert_null(out);
  cr_assert_gt(strlen(omega_last_error()), 0);
}

/* ---- omega_cfg_open / close ----------------------------------------------- */

Test(args, open_null_and_bad_options) {
  omega_cfg* out = (omega_cfg*)0x1;
  cr_assert_eq(omega_cfg_open(NULL, NULL), OMEGA_E_INVALID_ARG);
  omega_cfg_options o = OMEGA_CFG_OPTIONS_INIT;
  cr_assert_eq(omega_cfg_open(&o, NULL), OMEGA_E_INVALID_ARG);

  /* a struct_version from the future cannot be read */
  o.struct_version = 999;
  o.redis_url = "redis://127.0.0.1:1/0";
  out = (omega_cfg*)0x1;
  cr_assert_eq(omega_cfg_open(&o, &out), OMEGA_E_INVALID_ARG);
  cr_assert_null(out, "*out must be NULL after a failed open");

  o.struct_version = 0;
  out = (omega_cfg*)0x1;
  cr_assert_eq(omega_cfg_open(&o, &out), OMEGA_E_INVALID_ARG);
  cr_assert_null(out);
}

Test(args, bad_urls) {
  static const char* bad[] = {
      "http://127.0.0.1:6379/0",
      "127.0.0.1:6379",
      "redis://",
      "redis://127.0.0.1:notaport/0",
      "redis://127.0.0.1:99999/0",
      "redis://127.0.0.1:-1/0",
      "redis://127.0.0.1:6379/notadb",
      "redis://127.0.0.1:6379/-1",
      "redis://[::1:6379/0",
      "unix://",
      "unix:///tmp/x.sock?db=abc",
      "redis ://127.0.0.1:6379",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    omega_cfg_options o = OMEGA_CFG_OPTIONS_INIT;
    o.redis_url = bad[i];
    o.connect_timeout_ms = 200;
    omega_cfg* out = (omega_cfg*)0x1;
    int rc = omega_cfg_open(&o, &out);
    cr_expect_eq(rc, OMEGA_E_BAD_URL, "url \"%s\": got %d (%s) %s", bad[i], rc, omega_strerror(rc), omega_last_error());
    cr_expect_null(out, "url \"%s\": *out not NULL", bad[i]);
    if (rc == OMEGA_OK && out && out != (omega_cfg*)0x1) omega_cfg_close(out);
  }
}

Test(args, redis_down_no_lkg_is_unavailable) {
  /* a port with nothing behind it */
  th_redis r;
  th_redis_start(&r, NULL);
  char url[64];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", r.port);
  th_redis_stop(&r);
  omega_cfg_options o = th_fast_opts(NULL);
  o.redis_url = url;
  omega_cfg* out = (omega_cfg*)0x1;
  int64_t t0 = th_now_ms();
  int rc = omega_cfg_open(&o, &out);
  cr_assert_eq(rc, OMEGA_E_UNAVAILABLE, "got %d %s", rc, omega_last_error());
  cr_assert_null(out);
  cr_assert_gt(strlen(omega_last_error()), 0);
  cr_assert_lt(th_now_ms() - t0, 5000, "open against a closed port took too long");
}

Test(args, close_null_is_noop) {
  omega_cfg_close(NULL);
  omega_snapshot_release(NULL);
}

/* ---- reads ----------------------------------------------------------------- */

Test(args, get_invalid, .init = up, .fini = th_suite_redis_down) {
  char buf[16];
  size_t len = 99;
  cr_assert_eq(omega_cfg_get(NULL, "NAME", buf, sizeof buf, &len), OMEGA_E_INVALID_ARG);
  cr_assert_gt(strlen(omega_last_error()), 0);
  cr_assert_eq(omega_cfg_get(th_CFG, NULL, buf, sizeof buf, &len), OMEGA_E_INVALID_ARG);
  /* NULL buf with a non-zero length is a caller bug */
  cr_assert_eq(omega_cfg_get(th_CFG, "NAME", NULL, 8, &len), OMEGA_E_INVALID_ARG);
  /* ... but out_len is optional */
  cr_assert_eq(omega_cfg_get(th_CFG, "NAME", buf, sizeof buf, NULL), OMEGA_OK);
  cr_assert_str_eq(buf, "omega");
  cr_assert_eq(omega_cfg_get(th_CFG, "NO_SUCH_KEY", buf, sizeof buf, &len), OMEGA_E_NOT_FOUND);
  cr_assert_gt(strlen(omega_last_error()), 0);
}

Test(args, typed_get_invalid, .init = up, .fini = th_suite_redis_down) {
  int64_t i = 0;
  double d = 0;
  int b = 0;
  cr_assert_eq(omega_cfg_get_int64(NULL, "TIMEOUT", &i), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_cfg_get_int64(th_CFG, NULL, &i), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_cfg_get_int64(th_CFG, "TIMEOUT", NULL), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_cfg_get_double(NULL, "TIMEOUT", &d), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_cfg_get_double(th_CFG, NULL, &d), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_cfg_get_double(th_CFG, "TIMEOUT", NULL), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_cfg_get_bool(NULL, "TIMEOUT", &b), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_cfg_get_bool(th_CFG, NULL, &b), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_cfg_get_bool(th_CFG, "TIMEOUT", NULL), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_cfg_get_int64(th_CFG, "TIMEOUT", &i), OMEGA_OK);
  cr_assert_eq(i, 30);
}

Test(args, require_invalid, .init = up, .fini = th_suite_redis_down) {
  const char* keys[] = {"NAME", NULL};
  cr_assert_eq(omega_cfg_require(NULL, keys, 1), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_cfg_require(th_CFG, NULL, 2), OMEGA_E_INVALID_ARG);
  /* a NULL key inside the array */
  cr_assert_eq(omega_cfg_require(th_CFG, keys, 2), OMEGA_E_INVALID_ARG);
  /* nothing to require is fine */
  cr_assert_eq(omega_cfg_require(th_CFG, keys, 0), OMEGA_OK);
  cr_assert_eq(omega_cfg_require(th_CFG, keys, 1), OMEGA_OK);
}

Test(args, snapshot_invalid, .init = up, .fini = th_suite_redis_down) {
  omega_snapshot* s = NULL;
  cr_assert_eq(omega_cfg_snapshot(NULL, &s), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_cfg_snapshot(th_CFG, NULL), OMEGA_E_INVALID_ARG);

  /* NULL snapshot: documented sentinel answers */
  cr_assert_eq(omega_snapshot_version(NULL), -1);
  cr_assert_not_null(omega_snapshot_epoch(NULL));
  cr_assert_str_eq(omega_snapshot_epoch(NULL), "");
  cr_assert_eq(omega_snapshot_count(NULL), 0);
  const char* v = NULL;
  size_t len = 0;
  int64_t i;
  double d;
  int b;
  omega_value_type t;
  const char* k = NULL;
  cr_assert_eq(omega_snapshot_get(NULL, "NAME", &v, &len), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_snapshot_get_int64(NULL, "TIMEOUT", &i), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_snapshot_get_double(NULL, "TIMEOUT", &d), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_snapshot_get_bool(NULL, "TIMEOUT", &b), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_snapshot_type(NULL, "NAME", &t), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_snapshot_entry(NULL, 0, &k, &v, &t), OMEGA_E_INVALID_ARG);

  cr_assert_eq(omega_cfg_snapshot(th_CFG, &s), OMEGA_OK);
  cr_assert_not_null(s);
  cr_assert_eq(omega_snapshot_get(s, NULL, &v, &len), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_snapshot_get(s, "NAME", NULL, &len), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_snapshot_get(s, "NAME", &v, NULL), OMEGA_OK); /* len optional */
  cr_assert_str_eq(v, "omega");
  cr_assert_eq(omega_snapshot_get_int64(s, NULL, &i), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_snapshot_get_int64(s, "TIMEOUT", NULL), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_snapshot_get_double(s, NULL, &d), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_snapshot_get_double(s, "TIMEOUT", NULL), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_snapshot_get_bool(s, NULL, &b), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_snapshot_get_bool(s, "TIMEOUT", NULL), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_snapshot_type(s, NULL, &t), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_snapshot_type(s, "NAME", NULL), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_snapshot_entry(s, 0, NULL, &v, &t), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_snapshot_entry(s, 0, &k, NULL, &t), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_snapshot_entry(s, 0, &k, &v, NULL), OMEGA_OK); /* type optional */
  cr_assert_str_eq(k, "NAME");
  /* index out of range */
  size_t n = omega_snapshot_count(s);
  cr_assert_eq(n, 2);
  int rc = omega_snapshot_entry(s, n, &k, &v, &t);
  cr_assert(rc == OMEGA_E_INVALID_ARG || rc == OMEGA_E_NOT_FOUND, "entry(count) returned %d", rc);
  rc = omega_snapshot_entry(s, (size_t)-1, &k, &v, &t);
  cr_assert(rc == OMEGA_E_INVALID_ARG || rc == OMEGA_E_NOT_FOUND, "entry(SIZE_MAX) returned %d", rc);
  omega_snapshot_release(s);
}

static void nop_cb(int64_t v, const char* const* k, size_t n, const omega_snapshot* s, void* ud) {
  (void)v;
  (void)k;
  (void)n;
  (void)s;
  (void)ud;
}

static int destroyed;
static void count_destroy(void* ud) {
  (void)ud;
  destroyed++;
}

Test(args, callbacks_invalid, .init = up, .fini = th_suite_redis_down) {
  uint64_t tok = 0;
  cr_assert_eq(omega_cfg_on_reload(NULL, nop_cb, NULL, NULL, &tok), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_cfg_on_reload(th_CFG, NULL, NULL, NULL, &tok), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_cfg_on_reload(th_CFG, nop_cb, NULL, NULL, NULL), OMEGA_E_INVALID_ARG);

  cr_assert_eq(omega_cfg_off_reload(NULL, 1), OMEGA_E_INVALID_ARG);
  int rc = omega_cfg_off_reload(th_CFG, 0);
  cr_assert(rc == OMEGA_E_NO_SUCH_TOKEN || rc == OMEGA_E_INVALID_ARG, "off_reload(0) returned %d", rc);
  cr_assert_eq(omega_cfg_off_reload(th_CFG, 123456789), OMEGA_E_NO_SUCH_TOKEN);

  destroyed = 0;
  cr_assert_eq(omega_cfg_on_reload(th_CFG, nop_cb, NULL, count_destroy, &tok), OMEGA_OK);
  cr_assert_neq(tok, 0);
  uint64_t tok2 = 0;
  cr_assert_eq(omega_cfg_on_reload(th_CFG, nop_cb, NULL, NULL, &tok2), OMEGA_OK);
  cr_assert_neq(tok2, 0);
  cr_assert_neq(tok, tok2, "two registrations share a token");
  cr_assert_eq(omega_cfg_off_reload(th_CFG, tok), OMEGA_OK);
  cr_assert_eq(destroyed, 1);
  /* a second off_reload of the same token: unknown now; no second destroy */
  cr_assert_eq(omega_cfg_off_reload(th_CFG, tok), OMEGA_E_NO_SUCH_TOKEN);
  cr_assert_eq(destroyed, 1);
  cr_assert_eq(omega_cfg_off_reload(th_CFG, tok2), OMEGA_OK); /* NULL destroy is fine */
}

Test(args, status_invalid, .init = up, .fini = th_suite_redis_down) {
  omega_cfg_status st = OMEGA_CFG_STATUS_INIT;
  cr_assert_eq(omega_cfg_get_status(NULL, &st), OMEGA_E_INVALID_ARG);
  cr_assert_eq(omega_cfg_get_status(th_CFG, NULL), OMEGA_E_INVALID_ARG);
  omega_cfg_status bad = OMEGA_CFG_STATUS_INIT;
  bad.struct_version = 0;
  cr_assert_eq(omega_cfg_get_status(th_CFG, &bad), OMEGA_E_INVALID_ARG);
  bad.struct_version = 999;
  cr_assert_eq(omega_cfg_get_status(th_CFG, &bad), OMEGA_E_INVALID_ARG);

  cr_assert_eq(omega_cfg_get_status(th_CFG, &st), OMEGA_OK);
  cr_assert_eq(st.struct_version, OMEGA_CFG_STATUS_VERSION);
  cr_assert_eq(st.state, OMEGA_STATE_READY);
  cr_assert_eq(st.version, 1);
  cr_assert_str_eq(st.epoch, "");
  cr_assert_geq(st.ms_since_sync, 0);
  cr_assert_lt(st.ms_since_sync, 5000);
  cr_assert_eq(st.rejected, 0);
  cr_assert_eq(st.last_error_code, 0);
  cr_assert_str_eq(st.last_error, "");
}
