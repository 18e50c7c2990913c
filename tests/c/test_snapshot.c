/* test_snapshot.c — pinned snapshots: one immutable version across reloads,
 * borrowed strings valid until release, typed reads, iteration in key order. */
#include <pthread.h>
#include <string.h>
#include "th_test.h"

#include "harness.h"

static void up(void) {
  th_suite_redis_up();
  th_publish_meta(&th_R,
                  "{\"ZETA\":\"last\",\"ALPHA\":1,\"MID\":2.5,\"BETA\":true,"
                  "\"NUL\":null,\"OBJ\":{\"k\":[true,null]},\"zz_lower\":\"x\"}",
                  3, "epoch-A");
  th_CFG = th_open(&th_R, NULL);
}

TestSuite(snapshot, .init = up, .fini = th_suite_redis_down, .timeout = 20);

Test(snapshot, version_epoch_count) {
  omega_snapshot* s = NULL;
  cr_assert_eq(omega_cfg_snapshot(th_CFG, &s), OMEGA_OK);
  cr_assert_eq(omega_snapshot_version(s), 3);
  cr_assert_str_eq(omega_snapshot_epoch(s), "epoch-A");
  cr_assert_eq(omega_snapshot_count(s), 7, "null-valued keys count too");
  omega_cfg_status st;
  th_status(th_CFG, &st);
  cr_assert_str_eq(st.epoch, "epoch-A");
  omega_snapshot_release(s);
}

Test(snapshot, typed_reads_and_types) {
  omega_snapshot* s = NULL;
  cr_assert_eq(omega_cfg_snapshot(th_CFG, &s), OMEGA_OK);
  const char* v = NULL;
  size_t len = 0;
  cr_assert_eq(omega_snapshot_get(s, "zeta", &v, &len), OMEGA_OK);
  cr_assert_str_eq(v, "last");
  cr_assert_eq(len, 4);
  cr_assert_eq(omega_snapshot_get(s, "OBJ", &v, &len), OMEGA_OK);
  cr_assert_str_eq(v, "{\"k\":[true,null]}");
  cr_assert_eq(len, strlen(v));
  cr_assert_eq(omega_snapshot_get(s, "NUL", &v, &len), OMEGA_E_NOT_FOUND);
  cr_assert_eq(omega_snapshot_get(s, "NOPE", &v, &len), OMEGA_E_NOT_FOUND);

  int64_t i = 0;
  double d = 0;
  int b = 0;
  cr_assert_eq(omega_snapshot_get_int64(s, "alpha", &i), OMEGA_OK);
  cr_assert_eq(i, 1);
  cr_assert_eq(omega_snapshot_get_int64(s, "MID", &i), OMEGA_E_TYPE);
  cr_assert_eq(omega_snapshot_get_int64(s, "ZETA", &i), OMEGA_E_TYPE);
  cr_assert_eq(omega_snapshot_get_double(s, "MID", &d), OMEGA_OK);
  cr_assert_float_eq(d, 2.5, 1e-12);
  cr_assert_eq(omega_snapshot_get_double(s, "ZETA", &d), OMEGA_E_TYPE);
  cr_assert_eq(omega_snapshot_get_bool(s, "beta", &b), OMEGA_OK);
  cr_assert_eq(b, 1);
  cr_assert_eq(omega_snapshot_get_bool(s, "ZETA", &b), OMEGA_E_TYPE);
  cr_assert_eq(omega_snapshot_get_int64(s, "NUL", &i), OMEGA_E_NOT_FOUND);

  omega_value_type t;
  cr_assert_eq(omega_snapshot_type(s, "ZETA", &t), OMEGA_OK);
  cr_assert_eq(t, OMEGA_TYPE_STRING);
  cr_assert_eq(omega_snapshot_type(s, "ALPHA", &t), OMEGA_OK);
  cr_assert_eq(t, OMEGA_TYPE_INT);
  cr_assert_eq(omega_snapshot_type(s, "mid", &t), OMEGA_OK);
  cr_assert_eq(t, OMEGA_TYPE_DOUBLE);
  cr_assert_eq(omega_snapshot_type(s, "BETA", &t), OMEGA_OK);
  cr_assert_eq(t, OMEGA_TYPE_BOOL);
  cr_assert_eq(omega_snapshot_type(s, "NUL", &t), OMEGA_OK);
  cr_assert_eq(t, OMEGA_TYPE_NULL);
  cr_assert_eq(omega_snapshot_type(s, "OBJ", &t), OMEGA_OK);
  cr_assert_eq(t, OMEGA_TYPE_JSON);
  cr_assert_eq(omega_snapshot_type(s, "NOPE", &t), OMEGA_E_NOT_FOUND);
  omega_snapshot_release(s);
}

Test(snapshot, iteration_in_key_order) {
  omega_snapshot* s = NULL;
  cr_assert_eq(omega_cfg_snapshot(th_CFG, &s), OMEGA_OK);
  size_t n = omega_snapshot_count(s);
  cr_assert_eq(n, 7);
  const char* prev = NULL;
  int seen_nul = 0, seen_obj = 0, seen_alpha = 0;
  for (size_t i = 0; i < n; i++) {
    const char *k = NULL, *v = NULL;
    omega_value_type t = (omega_value_type)99;
    cr_assert_eq(omega_snapshot_entry(s, i, &k, &v, &t), OMEGA_OK, "entry %zu", i);
    cr_assert_not_null(k);
    cr_assert_not_null(v, "entry %s has a NULL value pointer", k);
    if (prev) cr_assert_lt(strcmp(prev, k), 0, "order: \"%s\" before \"%s\"", prev, k);
    prev = k;
    if (!strcmp(k, "NUL")) {
      seen_nul = 1;
      cr_assert_eq(t, OMEGA_TYPE_NULL);
    } else if (!strcmp(k, "OBJ")) {
      seen_obj = 1;
      cr_assert_eq(t, OMEGA_TYPE_JSON);
      cr_assert_str_eq(v, "{\"k\":[true,null]}");
    } else if (!strcmp(k, "ALPHA")) {
      seen_alpha = 1;
      cr_assert_eq(t, OMEGA_TYPE_INT);
      cr_assert_str_eq(v, "1");
    }
  }
  cr_assert(seen_nul && seen_obj && seen_alpha);
  /* exact order: keys keep their published spelling */
  const char *k0 = NULL, *k6 = NULL, *v = NULL;
  omega_snapshot_entry(s, 0, &k0, &v, NULL);
  omega_snapshot_entry(s, 6, &k6, &v, NULL);
  cr_assert_str_eq(k0, "ALPHA");
  cr_assert_str_eq(k6, "zz_lower");
  omega_snapshot_release(s);
}

Test(snapshot, pinned_version_survives_reload) {
  omega_snapshot* s = NULL;
  cr_assert_eq(omega_cfg_snapshot(th_CFG, &s), OMEGA_OK);
  const char *zeta = NULL, *k = NULL, *v = NULL;
  cr_assert_eq(omega_snapshot_get(s, "ZETA", &zeta, NULL), OMEGA_OK);
  cr_assert_eq(omega_snapshot_entry(s, 0, &k, &v, NULL), OMEGA_OK);
  const char* epoch = omega_snapshot_epoch(s);

  /* a new version arrives that drops and rewrites keys */
  th_publish_meta(&th_R, "{\"ZETA\":\"new-zeta-value-which-is-longer\",\"OTHER\":1}", 4, "epoch-A");
  cr_assert(th_wait_version(th_CFG, 4, 3000), "v4 not installed");
  cr_assert_str_eq(th_get(th_CFG, "ZETA"), "new-zeta-value-which-is-longer");

  /* the pinned one is still v3, whole, with its borrowed strings intact */
  cr_assert_eq(omega_snapshot_version(s), 3);
  cr_assert_str_eq(zeta, "last");
  cr_assert_str_eq(k, "ALPHA");
  cr_assert_str_eq(v, "1");
  cr_assert_str_eq(epoch, "epoch-A");
  cr_assert_eq(omega_snapshot_count(s), 7);
  const char* again = NULL;
  cr_assert_eq(omega_snapshot_get(s, "ZETA", &again, NULL), OMEGA_OK);
  cr_assert_str_eq(again, "last");
  cr_assert_eq(omega_snapshot_get(s, "OTHER", &again, NULL), OMEGA_E_NOT_FOUND);

  /* a second pin sees v4 */
  omega_snapshot* s2 = NULL;
  cr_assert_eq(omega_cfg_snapshot(th_CFG, &s2), OMEGA_OK);
  cr_assert_eq(omega_snapshot_version(s2), 4);
  cr_assert_eq(omega_snapshot_count(s2), 2);
  omega_snapshot_release(s2);

  /* more reloads while it stays pinned */
  for (int ver = 5; ver <= 8; ver++) {
    char js[64];
    snprintf(js, sizeof js, "{\"ZETA\":\"v%d\"}", ver);
    th_publish_meta(&th_R, js, ver, "epoch-A");
  }
  cr_assert(th_wait_version(th_CFG, 8, 3000));
  cr_assert_str_eq(zeta, "last");
  cr_assert_eq(omega_snapshot_version(s), 3);
  omega_snapshot_release(s);
}

static void* release_elsewhere(void* p) {
  omega_snapshot* s = p;
  const char* v = NULL;
  int rc = omega_snapshot_get(s, "ZETA", &v, NULL);
  int ok = rc == OMEGA_OK && strcmp(v, "last") == 0;
  omega_snapshot_release(s);
  return (void*)(intptr_t)ok;
}

Test(snapshot, many_pins_released_on_other_threads) {
  omega_snapshot* s[8];
  pthread_t t[8];
  for (int i = 0; i < 8; i++) cr_assert_eq(omega_cfg_snapshot(th_CFG, &s[i]), OMEGA_OK);
  for (int i = 0; i < 8; i++) pthread_create(&t[i], NULL, release_elsewhere, s[i]);
  for (int i = 0; i < 8; i++) {
    void* ok = NULL;
    pthread_join(t[i], &ok);
    cr_assert(ok, "thread %d read a wrong value", i);
  }
}
