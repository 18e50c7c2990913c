/* test_reload.c — hot reload: a plain redis-cli writer is picked up through
 * pub/sub, callbacks get the exact changed keys in version order, user_data
 * and destroy, unregistering (inside, from another thread while running),
 * coalescing, require across reloads, the epoch rule. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "th_test.h"

#include "harness.h"

/* A recorder on th_CFG, not registered: each test registers it if it wants it. */
static th_recorder REC;

static void up(void) {
  th_suite_redis_up();
  th_publish(&th_R, "{\"KEEP\":\"same\",\"MOD\":\"a\",\"DEL\":\"x\",\"DB_URL\":\"db\"}", 1);
  th_CFG = th_open(&th_R, NULL);
  th_recorder_init(&REC, th_CFG, "MOD");
}

static void down(void) {
  th_suite_redis_down(); /* closes th_CFG: REC's destroy has run */
  th_recorder_free(&REC);
}

TestSuite(reload, .init = up, .fini = down, .timeout = 30);

/* The pattern document's writer, with nothing but redis-cli. The backstop poll
 * is set to a minute, so only the PUBLISH can deliver it in time. */
Test(reload, plain_redis_cli_writer_exact_changed_keys) {
  omega_cfg_options o = th_fast_opts(&th_R);
  o.poll_interval_ms = 60000;
  omega_cfg* c = th_open(&th_R, &o);
  th_recorder rec;
  th_recorder_init(&rec, c, "MOD");
  th_recorder_register(&rec, c);

  char out[256];
  int64_t t0 = th_now_ms();
  int rc = th_cli_script(&th_R, out, sizeof out,
                         "MULTI\n"
                         "SET omega:config '{\"KEEP\":\"same\",\"MOD\":\"b\",\"ADD\":1,\"DB_URL\":\"db\"}'\n"
                         "SET omega:config:version 2\n"
                         "PUBLISH config_channel "
                         "'{\"event\":\"updated\",\"version\":\"2\",\"prev_version\":\"1\","
                         "\"changed\":[\"MOD\",\"ADD\",\"DEL\"]}'\n"
                         "EXEC\n");
  cr_assert_eq(rc, 0, "redis-cli failed: %s", out);
  cr_assert(th_recorder_wait_version(&rec, 2, 2000), "no callback within 2 s of the PUBLISH (poll is 60 s)");
  int64_t dt = th_now_ms() - t0;
  cr_assert_eq(th_recorder_count(&rec), 1);
  th_event e = th_recorder_event(&rec, 0);
  cr_assert_eq(e.version, 2);
  cr_assert_eq(e.snap_version, 2, "the callback's snapshot is the new version");
  cr_assert_eq(e.n_changed, 3);
  cr_assert_str_eq(e.changed, "ADD,DEL,MOD", "added, removed, modified, sorted");
  cr_assert_str_eq(e.probe, "b");
  cr_assert_str_eq(e.probe_via_cfg, "b", "new snapshot not visible inside the callback");
  cr_assert_neq(e.thread_id, (unsigned long)pthread_self(), "not on the watcher thread");
  cr_assert_str_eq(th_get(c, "MOD"), "b");
  cr_assert_str_eq(th_get(c, "DEL"), "<-2>");
  cr_log_info("redis-cli PUBLISH -> callback: %lld ms", (long long)dt);

  omega_cfg_status st;
  th_status(c, &st);
  cr_assert_eq(st.version, 2);
  cr_assert_eq(st.state, OMEGA_STATE_READY);
  omega_cfg_close(c);
  cr_assert_eq(th_recorder_destroyed(&rec), 1, "destroy not run at close");
  th_recorder_free(&rec);
}

/* ---- version order, exact diffs under a burst ------------------------------ */

#define SEQ_MAX 128
struct seq {
  pthread_mutex_t mu;
  int n;
  int64_t version[SEQ_MAX];
  char* content[SEQ_MAX]; /* "K=V\n" for each entry, in iteration order */
  char* changed[SEQ_MAX]; /* "A,B" */
  atomic_int running, max_running;
  int sleep_ms;
};

static char* serialize(const omega_snapshot* s) {
  size_t cap = 4096, used = 0;
  char* out = malloc(cap);
  out[0] = 0;
  for (size_t i = 0; i < omega_snapshot_count(s); i++) {
    const char *k, *v;
    if (omega_snapshot_entry(s, i, &k, &v, NULL) != OMEGA_OK) continue;
    size_t need = strlen(k) + strlen(v) + 3;
    if (used + need >= cap) {
      cap = (used + need) * 2;
      out = realloc(out, cap);
    }
    used += (size_t)sprintf(out + used, "%s=%s\n", k, v);
  }
  return out;
}

static void seq_cb(int64_t version, const char* const* keys, size_t n, const omega_snapshot* snap, void* ud) {
  struct seq* q = ud;
  int now = atomic_fetch_add(&q->running, 1) + 1;
  int m = atomic_load(&q->max_running);
  while (now > m && !atomic_compare_exchange_weak(&q->max_running, &m, now)) {
  }
  char* content = serialize(snap);
  char* changed = calloc(1, 4096);
  for (size_t i = 0; i < n; i++) {
    strcat(changed, i ? "," : "");
    strncat(changed, keys[i], 100);
  }
  if (q->sleep_ms) th_sleep_ms(q->sleep_ms);
  pthread_mutex_lock(&q->mu);
  if (q->n < SEQ_MAX) {
    q->version[q->n] = version;
    q->content[q->n] = content;
    q->changed[q->n] = changed;
    q->n++;
  } else {
    free(content);
    free(changed);
  }
  pthread_mutex_unlock(&q->mu);
  atomic_fetch_sub(&q->running, 1);
}

/* Keys of "a" whose line differs from (or is absent in) "b", plus keys only in
 * "b", as a sorted comma list. */
static int cmp_str(const void* a, const void* b) { return strcmp(*(const char* const*)a, *(const char* const*)b); }

static void diff_keys(const char* a, const char* b, char* out, size_t out_len) {
  char *lines_a[256], *lines_b[256], *keys[512];
  int na = 0, nb = 0, nk = 0;
  char *ca = strdup(a), *cb = strdup(b), *sv;
  for (char* l = strtok_r(ca, "\n", &sv); l && na < 256; l = strtok_r(NULL, "\n", &sv)) lines_a[na++] = l;
  for (char* l = strtok_r(cb, "\n", &sv); l && nb < 256; l = strtok_r(NULL, "\n", &sv)) lines_b[nb++] = l;
  for (int pass = 0; pass < 2; pass++) {
    char **x = pass ? lines_b : lines_a, **y = pass ? lines_a : lines_b;
    int nx = pass ? nb : na, ny = pass ? na : nb;
    for (int i = 0; i < nx; i++) {
      int found = 0;
      for (int j = 0; j < ny; j++)
        if (!strcmp(x[i], y[j])) found = 1;
      if (found) continue;
      char* k = strdup(x[i]);
      *strchr(k, '=') = 0;
      int dup = 0;
      for (int q = 0; q < nk; q++)
        if (!strcmp(keys[q], k)) dup = 1;
      if (dup)
        free(k);
      else
        keys[nk++] = k;
    }
  }
  qsort(keys, (size_t)nk, sizeof keys[0], cmp_str);
  out[0] = 0;
  for (int i = 0; i < nk; i++) {
    if (i) strncat(out, ",", out_len - strlen(out) - 1);
    strncat(out, keys[i], out_len - strlen(out) - 1);
    free(keys[i]);
  }
  free(ca);
  free(cb);
}

/* The last recorded callback was for v60. */
static int seq_saw_v60(void* arg) {
  struct seq* q = arg;
  pthread_mutex_lock(&q->mu);
  int done = q->n > 0 && q->version[q->n - 1] == 60;
  pthread_mutex_unlock(&q->mu);
  return done;
}

static void seq_free(struct seq* q) {
  for (int i = 0; i < q->n; i++) {
    free(q->content[i]);
    free(q->changed[i]);
  }
}

static void publish_seq_version(int v) {
  char js[512];
  /* V changes every time; K<v%5> rotates; ODD comes and goes; COMMON never changes */
  snprintf(js, sizeof js, "{\"COMMON\":\"c\",\"V\":%d,\"K%d\":\"x\"%s}", v, v % 5, (v % 2) ? ",\"ODD\":true" : "");
  th_publish(&th_R, js, v);
}

Test(reload, callbacks_in_version_order_with_exact_diffs) {
  static struct seq q;
  memset(&q, 0, sizeof q);
  pthread_mutex_init(&q.mu, NULL);
  q.sleep_ms = 3; /* long enough that some versions coalesce */
  publish_seq_version(2);
  cr_assert(th_wait_version(th_CFG, 2, 3000));
  omega_snapshot* base = NULL;
  cr_assert_eq(omega_cfg_snapshot(th_CFG, &base), OMEGA_OK);
  char* base_content = serialize(base);
  omega_snapshot_release(base);

  uint64_t tok;
  cr_assert_eq(omega_cfg_on_reload(th_CFG, seq_cb, &q, NULL, &tok), OMEGA_OK);
  for (int v = 3; v <= 60; v++) {
    publish_seq_version(v);
    if (v % 7 == 0) th_sleep_ms(20);
  }
  cr_assert(th_wait_version(th_CFG, 60, 5000), "v60 not installed");
  th_wait_until(seq_saw_v60, &q, 3000); /* asserted below, with the details */
  cr_assert_eq(omega_cfg_off_reload(th_CFG, tok), OMEGA_OK);

  cr_assert_gt(q.n, 0);
  cr_assert_eq(q.version[q.n - 1], 60, "last callback saw v%lld", (long long)q.version[q.n - 1]);
  cr_assert_eq(atomic_load(&q.max_running), 1, "two callbacks ran at once");
  const char* prev = base_content;
  for (int i = 0; i < q.n; i++) {
    if (i) cr_assert_gt(q.version[i], q.version[i - 1], "callbacks out of version order");
    char want[1024];
    diff_keys(prev, q.content[i], want, sizeof want);
    cr_assert_str_eq(q.changed[i], want, "v%lld: changed keys \"%s\", diff says \"%s\"", (long long)q.version[i],
                     q.changed[i], want);
    cr_assert_null(strstr(q.changed[i], "COMMON"));
    prev = q.content[i];
  }
  cr_log_info("58 versions -> %d callbacks", q.n);
  free(base_content);
  seq_free(&q);
}

Test(reload, bursts_coalesce_while_a_callback_runs) {
  REC.sleep_ms = 400;
  th_recorder_register(&REC, th_CFG);
  publish_seq_version(2);
  cr_assert(th_recorder_wait_inside(&REC, 3000));
  for (int v = 3; v <= 12; v++) publish_seq_version(v);
  cr_assert(th_recorder_wait_version(&REC, 12, 6000), "v12 never reached the callback");
  int n = th_recorder_count(&REC);
  cr_assert_leq(n, 4, "%d callbacks for a burst of 10 behind a slow callback", n);
  for (int i = 1; i < n; i++) cr_assert_gt(th_recorder_event(&REC, i).version, th_recorder_event(&REC, i - 1).version);
}

/* ---- user_data, destroy, unregistering ------------------------------------- */

Test(reload, destroy_exactly_once_on_off_and_at_close) {
  omega_cfg_options o = th_fast_opts(&th_R);
  omega_cfg* c = th_open(&th_R, &o);
  th_recorder a, b;
  th_recorder_init(&a, c, NULL);
  th_recorder_init(&b, c, NULL);
  th_recorder_register(&a, c);
  th_recorder_register(&b, c);
  th_publish(&th_R, "{\"MOD\":\"v2\",\"DB_URL\":\"db\"}", 2);
  cr_assert(th_recorder_wait_version(&a, 2, 3000));
  cr_assert(th_recorder_wait_version(&b, 2, 3000));
  cr_assert_eq(th_recorder_destroyed(&a), 0);

  cr_assert_eq(omega_cfg_off_reload(c, a.token), OMEGA_OK);
  cr_assert_eq(th_recorder_destroyed(&a), 1, "destroy runs before off_reload returns");
  th_publish(&th_R, "{\"MOD\":\"v3\",\"DB_URL\":\"db\"}", 3);
  cr_assert(th_recorder_wait_version(&b, 3, 3000));
  cr_assert_eq(th_recorder_count(&a), 1, "unregistered callback ran again");

  omega_cfg_close(c);
  cr_assert_eq(th_recorder_destroyed(&a), 1, "destroy ran twice");
  cr_assert_eq(th_recorder_destroyed(&b), 1, "destroy not run at close");
  th_recorder_free(&a);
  th_recorder_free(&b);
}

Test(reload, off_reload_from_inside_the_callback) {
  REC.unregister_self = 1;
  REC.self_off_rc = 99;
  th_recorder_register(&REC, th_CFG);
  th_publish(&th_R, "{\"MOD\":\"v2\",\"DB_URL\":\"db\"}", 2);
  cr_assert(th_recorder_wait_version(&REC, 2, 3000));
  th_recorder_wait_destroyed(&REC, 2000);
  cr_assert_eq(th_recorder_destroyed(&REC), 1);
  cr_assert_eq(REC.self_off_rc, OMEGA_OK, "off_reload inside returned %d", REC.self_off_rc);
  th_publish(&th_R, "{\"MOD\":\"v3\",\"DB_URL\":\"db\"}", 3);
  cr_assert(th_wait_version(th_CFG, 3, 3000));
  th_sleep_ms(200);
  cr_assert_eq(th_recorder_count(&REC), 1, "ran again after unregistering itself");
  cr_assert_eq(th_recorder_destroyed(&REC), 1);
  cr_assert_eq(omega_cfg_off_reload(th_CFG, REC.token), OMEGA_E_NO_SUCH_TOKEN);
}

static th_recorder LATE;
static void register_late_cb(int64_t v, const char* const* k, size_t n, const omega_snapshot* s, void* ud) {
  (void)v;
  (void)k;
  (void)n;
  (void)s;
  atomic_int* done = ud;
  if (!atomic_load(done)) {
    uint64_t tok = 0;
    int rc = omega_cfg_on_reload(th_CFG, th_recorder_cb, &LATE, th_recorder_destroy, &tok);
    LATE.token = tok;
    atomic_store(done, rc == OMEGA_OK ? 1 : rc);
  }
}

static int late_registration_done(void* done) { return atomic_load((atomic_int*)done) != 0; }

Test(reload, on_reload_from_inside_the_callback) {
  static atomic_int done = 0;
  th_recorder_init(&LATE, th_CFG, "MOD");
  uint64_t tok;
  cr_assert_eq(omega_cfg_on_reload(th_CFG, register_late_cb, &done, NULL, &tok), OMEGA_OK);
  th_publish(&th_R, "{\"MOD\":\"v2\",\"DB_URL\":\"db\"}", 2);
  cr_assert(th_wait_version(th_CFG, 2, 3000));
  th_wait_until(late_registration_done, &done, 2000);
  cr_assert_eq(atomic_load(&done), 1, "on_reload inside a callback returned %d", atomic_load(&done));
  th_publish(&th_R, "{\"MOD\":\"v3\",\"DB_URL\":\"db\"}", 3);
  cr_assert(th_recorder_wait_version(&LATE, 3, 3000), "callback registered inside never ran");
  cr_assert_str_eq(th_recorder_event(&LATE, th_recorder_count(&LATE) - 1).probe, "v3");
  cr_assert_eq(omega_cfg_off_reload(th_CFG, LATE.token), OMEGA_OK);
  cr_assert_eq(th_recorder_destroyed(&LATE), 1);
}

Test(reload, off_reload_from_another_thread_waits_for_the_running_callback) {
  REC.sleep_ms = 600;
  th_recorder_register(&REC, th_CFG);
  th_publish(&th_R, "{\"MOD\":\"v2\",\"DB_URL\":\"db\"}", 2);
  cr_assert(th_recorder_wait_inside(&REC, 3000), "callback never started");
  int64_t t0 = th_now_ms();
  cr_assert_eq(omega_cfg_off_reload(th_CFG, REC.token), OMEGA_OK);
  int64_t waited = th_now_ms() - t0;
  cr_assert_eq(th_recorder_finished(&REC), 1, "off_reload returned while the callback was still running");
  cr_assert_eq(th_recorder_inside(&REC), 0);
  cr_assert_eq(th_recorder_destroyed(&REC), 1);
  cr_assert_gt(waited, 100, "off_reload did not wait (%lld ms)", (long long)waited);
}

/* ---- counters, republish, require across reloads -------------------------- */

Test(reload, status_counts_reloads_and_republish_is_not_a_new_version) {
  omega_cfg_status s0, s1, s2;
  th_status(th_CFG, &s0);
  th_recorder_register(&REC, th_CFG);
  th_publish(&th_R, "{\"MOD\":\"v2\",\"DB_URL\":\"db\"}", 2);
  cr_assert(th_recorder_wait_version(&REC, 2, 3000));
  th_status(th_CFG, &s1);
  cr_assert_eq(s1.reloads, s0.reloads + 1);
  cr_assert_eq(s1.version, 2);
  cr_assert_lt(s1.ms_since_sync, 2000);
  /* POST /config/reload republishes the same version: nothing new to install */
  th_publish(&th_R, "{\"MOD\":\"v2\",\"DB_URL\":\"db\"}", 2);
  th_sleep_ms(500);
  th_status(th_CFG, &s2);
  cr_assert_eq(s2.version, 2);
  cr_assert_eq(s2.reloads, s1.reloads);
  cr_assert_eq(th_recorder_count(&REC), 1, "a republish of the same version fired a callback");
  cr_assert_eq(s2.state, OMEGA_STATE_READY);
}

Test(reload, required_key_missing_in_later_snapshot_is_rejected) {
  const char* keys[] = {"DB_URL", "KEEP"};
  cr_assert_eq(omega_cfg_require(th_CFG, keys, 2), OMEGA_OK);
  th_recorder_register(&REC, th_CFG);
  omega_cfg_status s0, s1;
  th_status(th_CFG, &s0);

  th_publish(&th_R, "{\"KEEP\":\"same\",\"MOD\":\"nodb\"}", 2);
  cr_assert(th_wait_state(th_CFG, OMEGA_STATE_ERROR, 3000), "snapshot without DB_URL not rejected");
  th_status(th_CFG, &s1);
  cr_assert_eq(s1.version, 1, "local version advanced to a rejected snapshot");
  cr_assert_eq(s1.rejected, s0.rejected + 1);
  cr_assert_eq(s1.last_error_code, OMEGA_E_BAD_SNAPSHOT, "code %d", s1.last_error_code);
  cr_assert_not_null(strstr(s1.last_error, "DB_URL"), "last_error: %s", s1.last_error);
  cr_assert_str_eq(th_get(th_CFG, "MOD"), "a");
  cr_assert_str_eq(th_get(th_CFG, "DB_URL"), "db");
  cr_assert_eq(th_recorder_count(&REC), 0);

  /* a null value is missing too */
  th_publish(&th_R, "{\"KEEP\":\"same\",\"MOD\":\"nulldb\",\"DB_URL\":null}", 3);
  th_sleep_ms(500);
  th_status(th_CFG, &s1);
  cr_assert_eq(s1.version, 1);
  cr_assert_eq(s1.state, OMEGA_STATE_ERROR);

  /* the next good one is installed and clears the error */
  th_publish(&th_R, "{\"KEEP\":\"same\",\"MOD\":\"ok\",\"DB_URL\":\"db2\"}", 4);
  cr_assert(th_recorder_wait_version(&REC, 4, 3000));
  th_status(th_CFG, &s1);
  cr_assert_eq(s1.state, OMEGA_STATE_READY);
  cr_assert_eq(s1.version, 4);
  cr_assert_str_eq(th_get(th_CFG, "MOD"), "ok");
}

/* ---- epoch rule ------------------------------------------------------------ */

Test(reload, epoch_rule) {
  th_publish_meta(&th_R, "{\"MOD\":\"five\"}", 5, "E1");
  cr_assert(th_wait_version(th_CFG, 5, 3000));
  th_recorder_register(&REC, th_CFG);
  omega_cfg_status st;
  th_status(th_CFG, &st);
  cr_assert_str_eq(st.epoch, "E1");

  /* same epoch, lower version: ignored */
  th_publish_meta(&th_R, "{\"MOD\":\"three\"}", 3, "E1");
  th_sleep_ms(600); /* > poll interval: it was seen */
  th_status(th_CFG, &st);
  cr_assert_eq(st.version, 5, "went back within an epoch");
  cr_assert_str_eq(th_get(th_CFG, "MOD"), "five");
  cr_assert_eq(th_recorder_count(&REC), 0);

  /* a new epoch (a re-seed) is accepted even at a lower version */
  th_publish_meta(&th_R, "{\"MOD\":\"reseeded\"}", 1, "E2");
  cr_assert(th_recorder_wait_version(&REC, 1, 3000), "new epoch not accepted");
  th_status(th_CFG, &st);
  cr_assert_eq(st.version, 1);
  cr_assert_str_eq(st.epoch, "E2");
  cr_assert_eq(st.state, OMEGA_STATE_READY);
  cr_assert_str_eq(th_get(th_CFG, "MOD"), "reseeded");
  th_event e = th_recorder_event(&REC, 0);
  cr_assert_str_eq(e.changed, "MOD");
  omega_snapshot* s;
  cr_assert_eq(omega_cfg_snapshot(th_CFG, &s), OMEGA_OK);
  cr_assert_str_eq(omega_snapshot_epoch(s), "E2");
  omega_snapshot_release(s);

  /* and then higher versions in the new epoch */
  th_publish_meta(&th_R, "{\"MOD\":\"two\"}", 2, "E2");
  cr_assert(th_recorder_wait_version(&REC, 2, 3000));
}

/* ---- close while a callback runs; a big snapshot ---------------------------- */

Test(reload, close_waits_for_a_running_callback_and_leaves_no_thread) {
  int threads_before = th_thread_count();
  omega_cfg_options o = th_fast_opts(&th_R);
  omega_cfg* c = th_open(&th_R, &o);
  th_recorder rec;
  th_recorder_init(&rec, NULL, NULL);
  rec.sleep_ms = 500;
  th_recorder_register(&rec, c);
  th_publish(&th_R, "{\"MOD\":\"v2\",\"DB_URL\":\"db\"}", 2);
  cr_assert(th_recorder_wait_inside(&rec, 3000));
  omega_cfg_close(c);
  cr_assert_eq(th_recorder_finished(&rec), 1, "close returned while a callback still ran");
  cr_assert_eq(th_recorder_destroyed(&rec), 1);
  cr_assert_eq(th_thread_count(), threads_before, "close left %d thread(s) behind", th_thread_count() - threads_before);
  th_recorder_free(&rec);
}

Test(reload, large_snapshot_10000_keys) {
  size_t cap = 10000 * 48 + 64, n = 0;
  char* js = malloc(cap);
  n += (size_t)snprintf(js + n, cap - n, "{");
  for (int i = 9999; i >= 0; i--) /* published in reverse order */
    n += (size_t)snprintf(js + n, cap - n, "%s\"KEY_%05d\":\"value-%d\"", i == 9999 ? "" : ",", i, i);
  snprintf(js + n, cap - n, "}");
  th_recorder_register(&REC, th_CFG);
  th_publish(&th_R, js, 2);
  free(js);
  cr_assert(th_recorder_wait_version(&REC, 2, 5000), "10,000-key snapshot not installed");
  th_event e = th_recorder_event(&REC, 0);
  cr_assert_eq(e.n_changed, 10000 + 4, "10,000 added + 4 removed, got %zu", e.n_changed);
  omega_snapshot* s;
  cr_assert_eq(omega_cfg_snapshot(th_CFG, &s), OMEGA_OK);
  cr_assert_eq(omega_snapshot_count(s), 10000);
  for (size_t i = 0; i < 10000; i++) {
    const char *k, *v;
    cr_assert_eq(omega_snapshot_entry(s, i, &k, &v, NULL), OMEGA_OK);
    char want_k[16], want_v[32];
    snprintf(want_k, sizeof want_k, "KEY_%05zu", i);
    snprintf(want_v, sizeof want_v, "value-%zu", i);
    if (strcmp(k, want_k) || strcmp(v, want_v)) cr_assert_fail("entry %zu is %s=%s", i, k, v);
  }
  omega_snapshot_release(s);
  cr_assert_str_eq(th_get(th_CFG, "key_04242"), "value-4242");
}
