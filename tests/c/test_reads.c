/* test_reads.c — omega_cfg_get (buffer sizes), typed getters (conversions
 * and type errors), case-insensitive lookup, omega_cfg_require, status. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "th_test.h"

#include "harness.h"

static const char* SNAP =
    "{"
    "\"REDIS_URL\":\"redis://cache:6379/0\","
    "\"NAME\":\"omega\","
    "\"EMPTY\":\"\","
    "\"TIMEOUT\":30,"
    "\"NEG_INT\":-17,"
    "\"RATIO\":0.5,"
    "\"EXP\":2.5e3,"
    "\"DEBUG\":true,"
    "\"QUIET\":false,"
    "\"NULLED\":null,"
    "\"NESTED\":{\"a\":[1,2],\"b\":\"x\"},"
    "\"LIST\":[1, 2, 3],"
    "\"STR_INT\":\"42\","
    "\"STR_NEG\":\"-7\","
    "\"STR_DBL\":\"0.25\","
    "\"ABC\":\"abc\","
    "\"STR_INT_TRAIL\":\"42abc\","
    "\"STR_INT_SPACE\":\" 42\","
    "\"STR_NAN\":\"nan\","
    "\"STR_INF\":\"inf\","
    "\"INT_MAX\":9223372036854775807,"
    "\"INT_MIN\":-9223372036854775808,"
    "\"INT_OVER\":9223372036854775808,"
    "\"INT_UNDER\":-9223372036854775809,"
    "\"STR_OVER\":\"9223372036854775808\","
    "\"STR_MAX\":\"9223372036854775807\","
    "\"B_TRUE\":\"TRUE\",\"B_FALSE\":\"False\",\"B_YES\":\"yes\",\"B_NO\":\"No\","
    "\"B_ON\":\"ON\",\"B_OFF\":\"off\",\"B_ONE\":\"1\",\"B_ZERO\":\"0\","
    "\"B_Y\":\"y\",\"B_TWO\":\"2\",\"B_TRUEE\":\"truee\",\"B_EMPTY\":\"\","
    "\"QUOTED\":\"a\\\"b\\\\c\\nd\","
    "\"UNICODE\":\"caf\\u00e9\","
    "\"Mixed_Case_Key\":\"mixed\""
    "}";

static void up(void) {
  th_suite_redis_up();
  th_publish(&th_R, SNAP, 7);
  th_CFG = th_open(&th_R, NULL);
}

TestSuite(reads, .init = up, .fini = th_suite_redis_down, .timeout = 20);

Test(reads, opened_ready_with_version) {
  omega_cfg_status st;
  th_status(th_CFG, &st);
  cr_assert_eq(st.state, OMEGA_STATE_READY, "state %s", omega_state_name(st.state));
  cr_assert_eq(st.version, 7);
  cr_assert_str_eq(st.epoch, "");
  cr_assert_eq(st.last_error_code, 0);
}

Test(reads, get_exact_buffer_and_too_small) {
  char buf[64];
  size_t len = 0;
  /* "omega": 5 bytes + NUL */
  memset(buf, 'X', sizeof buf);
  cr_assert_eq(omega_cfg_get(th_CFG, "NAME", buf, 6, &len), OMEGA_OK);
  cr_assert_eq(len, 5);
  cr_assert_str_eq(buf, "omega");
  cr_assert_eq(buf[6], 'X', "wrote past buf_len");

  len = 0;
  cr_assert_eq(omega_cfg_get(th_CFG, "NAME", buf, 5, &len), OMEGA_E_BUFFER_TOO_SMALL);
  cr_assert_eq(len, 5, "size needed minus one, got %zu", len);
  len = 0;
  cr_assert_eq(omega_cfg_get(th_CFG, "NAME", buf, 1, &len), OMEGA_E_BUFFER_TOO_SMALL);
  cr_assert_eq(len, 5);

  /* asking for the size */
  len = 0;
  cr_assert_eq(omega_cfg_get(th_CFG, "NAME", NULL, 0, &len), OMEGA_E_BUFFER_TOO_SMALL);
  cr_assert_eq(len, 5);

  /* an empty value fits in one byte, not in zero */
  len = 99;
  cr_assert_eq(omega_cfg_get(th_CFG, "EMPTY", buf, 1, &len), OMEGA_OK);
  cr_assert_eq(len, 0);
  cr_assert_str_eq(buf, "");
  len = 99;
  cr_assert_eq(omega_cfg_get(th_CFG, "EMPTY", NULL, 0, &len), OMEGA_E_BUFFER_TOO_SMALL);
  cr_assert_eq(len, 0);

  /* the buffer-too-small message is for this thread */
  cr_assert_eq(omega_cfg_get(th_CFG, "REDIS_URL", buf, 4, &len), OMEGA_E_BUFFER_TOO_SMALL);
  cr_assert_eq(len, strlen("redis://cache:6379/0"));
  cr_assert_gt(strlen(omega_last_error()), 0);
}

Test(reads, value_text_of_each_type) {
  cr_assert_str_eq(th_get(th_CFG, "REDIS_URL"), "redis://cache:6379/0");
  cr_assert_str_eq(th_get(th_CFG, "TIMEOUT"), "30");
  cr_assert_str_eq(th_get(th_CFG, "NEG_INT"), "-17");
  cr_assert_str_eq(th_get(th_CFG, "RATIO"), "0.5");
  cr_assert_str_eq(th_get(th_CFG, "DEBUG"), "true");
  cr_assert_str_eq(th_get(th_CFG, "QUIET"), "false");
  /* nested values as compact JSON text */
  cr_assert_str_eq(th_get(th_CFG, "NESTED"), "{\"a\":[1,2],\"b\":\"x\"}");
  cr_assert_str_eq(th_get(th_CFG, "LIST"), "[1,2,3]");
  /* strings unquoted and unescaped */
  cr_assert_str_eq(th_get(th_CFG, "QUOTED"), "a\"b\\c\nd");
  cr_assert_str_eq(th_get(th_CFG, "UNICODE"), "caf\xc3\xa9");
  cr_assert_str_eq(th_get(th_CFG, "STR_INT"), "42");
}

Test(reads, null_and_missing_are_not_found) {
  char buf[32];
  size_t len;
  cr_assert_eq(omega_cfg_get(th_CFG, "NULLED", buf, sizeof buf, &len), OMEGA_E_NOT_FOUND);
  cr_assert_eq(omega_cfg_get(th_CFG, "MISSING", buf, sizeof buf, &len), OMEGA_E_NOT_FOUND);
  cr_assert_gt(strlen(omega_last_error()), 0);
  int64_t i = 5;
  double d = 5;
  int b = 5;
  cr_assert_eq(omega_cfg_get_int64(th_CFG, "NULLED", &i), OMEGA_E_NOT_FOUND);
  cr_assert_eq(omega_cfg_get_double(th_CFG, "NULLED", &d), OMEGA_E_NOT_FOUND);
  cr_assert_eq(omega_cfg_get_bool(th_CFG, "NULLED", &b), OMEGA_E_NOT_FOUND);
  cr_assert_eq(omega_cfg_get_int64(th_CFG, "MISSING", &i), OMEGA_E_NOT_FOUND);
  cr_assert_eq(omega_cfg_get_double(th_CFG, "MISSING", &d), OMEGA_E_NOT_FOUND);
  cr_assert_eq(omega_cfg_get_bool(th_CFG, "MISSING", &b), OMEGA_E_NOT_FOUND);
}

Test(reads, int64_conversions) {
  int64_t v = 0;
  cr_assert_eq(omega_cfg_get_int64(th_CFG, "TIMEOUT", &v), OMEGA_OK);
  cr_assert_eq(v, 30);
  cr_assert_eq(omega_cfg_get_int64(th_CFG, "NEG_INT", &v), OMEGA_OK);
  cr_assert_eq(v, -17);
  cr_assert_eq(omega_cfg_get_int64(th_CFG, "STR_INT", &v), OMEGA_OK);
  cr_assert_eq(v, 42);
  cr_assert_eq(omega_cfg_get_int64(th_CFG, "STR_NEG", &v), OMEGA_OK);
  cr_assert_eq(v, -7);
  cr_assert_eq(omega_cfg_get_int64(th_CFG, "INT_MAX", &v), OMEGA_OK);
  cr_assert_eq(v, INT64_MAX);
  cr_assert_eq(omega_cfg_get_int64(th_CFG, "INT_MIN", &v), OMEGA_OK);
  cr_assert_eq(v, INT64_MIN);
  cr_assert_eq(omega_cfg_get_int64(th_CFG, "STR_MAX", &v), OMEGA_OK);
  cr_assert_eq(v, INT64_MAX);
}

Test(reads, int64_type_errors_never_zero) {
  static const char* bad[] = {"ABC",       "RATIO",         "DEBUG",         "NESTED", "LIST",
                              "STR_DBL",   "STR_INT_TRAIL", "STR_INT_SPACE", "EMPTY",  "INT_OVER",
                              "INT_UNDER", "STR_OVER",      "REDIS_URL"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int64_t v = 12345;
    int rc = omega_cfg_get_int64(th_CFG, bad[i], &v);
    cr_expect_eq(rc, OMEGA_E_TYPE, "get_int64(%s) = %d, value %lld", bad[i], rc, (long long)v);
    if (rc == OMEGA_E_TYPE) cr_expect_gt(strlen(omega_last_error()), 0);
  }
}

Test(reads, double_conversions) {
  double d = 0;
  cr_assert_eq(omega_cfg_get_double(th_CFG, "RATIO", &d), OMEGA_OK);
  cr_assert_float_eq(d, 0.5, 1e-12);
  cr_assert_eq(omega_cfg_get_double(th_CFG, "EXP", &d), OMEGA_OK);
  cr_assert_float_eq(d, 2500.0, 1e-9);
  cr_assert_eq(omega_cfg_get_double(th_CFG, "STR_DBL", &d), OMEGA_OK);
  cr_assert_float_eq(d, 0.25, 1e-12);
  /* an integer is a number too */
  cr_assert_eq(omega_cfg_get_double(th_CFG, "TIMEOUT", &d), OMEGA_OK);
  cr_assert_float_eq(d, 30.0, 1e-12);
  cr_assert_eq(omega_cfg_get_double(th_CFG, "STR_INT", &d), OMEGA_OK);
  cr_assert_float_eq(d, 42.0, 1e-12);
  static const char* bad[] = {"ABC",   "DEBUG",   "NESTED",  "LIST",     "STR_INT_TRAIL",
                              "EMPTY", "STR_NAN", "STR_INF", "REDIS_URL"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    d = 123.0;
    int rc = omega_cfg_get_double(th_CFG, bad[i], &d);
    cr_expect_eq(rc, OMEGA_E_TYPE, "get_double(%s) = %d, value %g", bad[i], rc, d);
  }
}

Test(reads, bool_spellings) {
  struct {
    const char* key;
    int want;
  } ok[] = {{"DEBUG", 1}, {"QUIET", 0}, {"B_TRUE", 1}, {"B_FALSE", 0}, {"B_YES", 1},
            {"B_NO", 0},  {"B_ON", 1},  {"B_OFF", 0},  {"B_ONE", 1},   {"B_ZERO", 0}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    int b = 77;
    int rc = omega_cfg_get_bool(th_CFG, ok[i].key, &b);
    cr_expect_eq(rc, OMEGA_OK, "get_bool(%s) = %d", ok[i].key, rc);
    cr_expect_eq(b, ok[i].want, "get_bool(%s) -> %d", ok[i].key, b);
  }
  static const char* bad[] = {"B_Y", "B_TWO", "B_TRUEE", "B_EMPTY", "ABC", "NESTED", "RATIO", "REDIS_URL"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int b = 77;
    int rc = omega_cfg_get_bool(th_CFG, bad[i], &b);
    cr_expect_eq(rc, OMEGA_E_TYPE, "get_bool(%s) = %d, value %d", bad[i], rc, b);
  }
}

Test(reads, lookup_ignores_ascii_case) {
  cr_assert_str_eq(th_get(th_CFG, "redis_url"), "redis://cache:6379/0");
  cr_assert_str_eq(th_get(th_CFG, "Redis_Url"), "redis://cache:6379/0");
  cr_assert_str_eq(th_get(th_CFG, "REDIS_URL"), "redis://cache:6379/0");
  cr_assert_str_eq(th_get(th_CFG, "MIXED_CASE_KEY"), "mixed");
  cr_assert_str_eq(th_get(th_CFG, "mixed_case_key"), "mixed");
  int64_t v = 0;
  cr_assert_eq(omega_cfg_get_int64(th_CFG, "timeout", &v), OMEGA_OK);
  cr_assert_eq(v, 30);
  double d = 0;
  cr_assert_eq(omega_cfg_get_double(th_CFG, "ratio", &d), OMEGA_OK);
  int b = 0;
  cr_assert_eq(omega_cfg_get_bool(th_CFG, "debug", &b), OMEGA_OK);
  cr_assert_eq(b, 1);
  /* case folding is ASCII only, and not fuzzy */
  char buf[8];
  cr_assert_eq(omega_cfg_get(th_CFG, "REDIS-URL", buf, sizeof buf, NULL), OMEGA_E_NOT_FOUND);
  cr_assert_eq(omega_cfg_get(th_CFG, "REDIS_UR", buf, sizeof buf, NULL), OMEGA_E_NOT_FOUND);
  cr_assert_eq(omega_cfg_get(th_CFG, "REDIS_URLX", buf, sizeof buf, NULL), OMEGA_E_NOT_FOUND);
}

Test(reads, require_present_keys) {
  const char* keys[] = {"REDIS_URL", "timeout", "Name", "EMPTY", "QUIET"};
  int rc = omega_cfg_require(th_CFG, keys, 5);
  cr_assert_eq(rc, OMEGA_OK, "%d %s", rc, omega_last_error());
}

Test(reads, require_names_every_missing_key) {
  const char* keys[] = {"REDIS_URL", "SECRET_KEY", "TIMEOUT", "MONGO_URI", "NULLED"};
  int rc = omega_cfg_require(th_CFG, keys, 5);
  cr_assert_eq(rc, OMEGA_E_MISSING_KEYS);
  const char* msg = omega_last_error();
  cr_assert_not_null(strstr(msg, "SECRET_KEY"), "message: %s", msg);
  cr_assert_not_null(strstr(msg, "MONGO_URI"), "message: %s", msg);
  cr_assert_not_null(strstr(msg, "NULLED"), "a null value is missing too: %s", msg);
  cr_assert_null(strstr(msg, "REDIS_URL"), "present key named: %s", msg);
  cr_assert_null(strstr(msg, "TIMEOUT"), "present key named: %s", msg);
}

Test(reads, empty_redis_opens_ready_at_version_zero) {
  th_redis r2;
  th_redis_start(&r2, NULL);
  omega_cfg_options o = th_fast_opts(&r2);
  omega_cfg* c = th_open(&r2, &o);
  omega_cfg_status st;
  th_status(c, &st);
  cr_assert_eq(st.state, OMEGA_STATE_READY, "state %s", omega_state_name(st.state));
  cr_assert_eq(st.version, 0);
  char buf[8];
  cr_assert_eq(omega_cfg_get(c, "NAME", buf, sizeof buf, NULL), OMEGA_E_NOT_FOUND);
  omega_snapshot* s = NULL;
  cr_assert_eq(omega_cfg_snapshot(c, &s), OMEGA_OK);
  cr_assert_eq(omega_snapshot_version(s), 0);
  cr_assert_eq(omega_snapshot_count(s), 0);
  omega_snapshot_release(s);
  /* then picks up the first published snapshot */
  th_publish(&r2, "{\"NAME\":\"first\"}", 1);
  cr_assert(th_wait_version(c, 1, 3000), "first snapshot not picked up");
  cr_assert_str_eq(th_get(c, "NAME"), "first");
  omega_cfg_close(c);
  th_redis_stop(&r2);
}
