/* test_stress.c — 8 reader threads read, pin and iterate while a writer
 * publishes ~1000 reloads a second, and another thread registers and
 * unregisters callbacks. Every read must see one complete version: each key
 * of version V holds "V:<index>", and VERSION holds V. Must be clean under
 * ThreadSanitizer and AddressSanitizer+UBSan. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "th_test.h"

#include "harness.h"

#define NKEYS 50
#define NREADERS 8

static atomic_int stop;
static atomic_long errors;
static atomic_long reads;
static atomic_long pins;
static atomic_long callbacks;
static atomic_long churn_regs, churn_destroys;
static atomic_llong last_published;
static char first_error[512];
static pthread_mutex_t err_mu = PTHREAD_MUTEX_INITIALIZER;

#include <stdarg.h>
static void fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char* fmt, ...) {
  if (atomic_fetch_add(&errors, 1) == 0) {
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&err_mu);
    vsnprintf(first_error, sizeof first_error, fmt, ap);
    pthread_mutex_unlock(&err_mu);
    va_end(ap);
  }
}

static char* make_json(long long v) {
  size_t cap = 64 + NKEYS * 40;
  char* s = malloc(cap);
  size_t n = (size_t)snprintf(s, cap, "{\"VERSION\":%lld", v);
  for (int i = 0; i < NKEYS; i++) n += (size_t)snprintf(s + n, cap - n, ",\"K%02d\":\"%lld:%d\"", i, v, i);
  snprintf(s + n, cap - n, "}");
  return s;
}

/* "V:i" -> V, checking i */
static long long parse_val(const char* v, int want_i) {
  char* end;
  long long ver = strtoll(v, &end, 10);
  if (*end != ':' || atoi(end + 1) != want_i) return -1;
  return ver;
}

static void check_snapshot(const omega_snapshot* s, long long* last, const char* who) {
  long long V = omega_snapshot_version(s);
  if (V < *last) fail("%s: pinned version went back %lld -> %lld", who, *last, V);
  *last = V;
  if (omega_snapshot_count(s) != NKEYS + 1) {
    fail("%s v%lld: count %zu", who, V, omega_snapshot_count(s));
    return;
  }
  int64_t ver = -1;
  if (omega_snapshot_get_int64(s, "version", &ver) != OMEGA_OK || ver != V)
    fail("%s: snapshot v%lld holds VERSION %lld", who, V, (long long)ver);
  for (size_t i = 0; i < NKEYS + 1; i++) {
    const char *k = NULL, *val = NULL;
    if (omega_snapshot_entry(s, i, &k, &val, NULL) != OMEGA_OK) {
      fail("%s v%lld: entry %zu failed", who, V, i);
      return;
    }
    if (i < NKEYS) {
      char want[8];
      snprintf(want, sizeof want, "K%02d", (int)i);
      if (strcmp(k, want) != 0) fail("v%lld: entry %zu is %s", V, i, k);
      if (parse_val(val, (int)i) != V) fail("v%lld: entry %zu = %s", V, i, val);
    } else if (strcmp(k, "VERSION") != 0) {
      fail("v%lld: last entry %zu is %s", V, i, k);
    }
  }
}

static void* reader(void* arg) {
  long id = (long)(intptr_t)arg;
  long long last_pin = 0, last_get = 0, last_int = 0, last_status = 0;
  char buf[64];
  unsigned seed = (unsigned)id * 7919u + 1;
  long n = 0;
  while (!atomic_load(&stop)) {
    int i = (int)(rand_r(&seed) % NKEYS);
    char key[8];
    snprintf(key, sizeof key, (n & 1) ? "k%02d" : "K%02d", i);
    size_t len = 0;
    int rc = omega_cfg_get(th_CFG, key, buf, sizeof buf, &len);
    if (rc != OMEGA_OK) {
      fail("get %s rc %d", key, rc);
    } else {
      long long v = parse_val(buf, i);
      if (v < 0 || len != strlen(buf)) fail("get: torn value %s (len %zu)", buf, len);
      if (v < last_get) fail("get %s went back %lld -> %lld", key, last_get, v);
      last_get = v;
    }
    int64_t iv = 0;
    rc = omega_cfg_get_int64(th_CFG, "VERSION", &iv);
    if (rc != OMEGA_OK)
      fail("get_int64 VERSION rc %d", rc);
    else if (iv < last_int)
      fail("VERSION went back %lld -> %lld", last_int, (long long)iv);
    else
      last_int = iv;

    if ((n % 4) == 0) {
      omega_snapshot* s = NULL;
      if (omega_cfg_snapshot(th_CFG, &s) != OMEGA_OK) {
        fail("snapshot failed: %s", omega_last_error());
      } else {
        check_snapshot(s, &last_pin, "reader");
        /* a torn-down snapshot would show here: read it again a bit later */
        const char* v0 = NULL;
        omega_snapshot_get(s, "K00", &v0, NULL);
        sched_yield();
        if (!v0 || parse_val(v0, 0) != omega_snapshot_version(s))
          fail("borrowed K00 changed under a pin (v%lld): %s", (long long)omega_snapshot_version(s),
               v0 ? v0 : "(null)");
        omega_snapshot_release(s);
        atomic_fetch_add(&pins, 1);
      }
    }
    if ((n % 64) == 0) {
      omega_cfg_status st = OMEGA_CFG_STATUS_INIT;
      if (omega_cfg_get_status(th_CFG, &st) != OMEGA_OK)
        fail("status failed");
      else if (st.version < last_status)
        fail("status version went back %lld -> %lld", last_status, (long long)st.version);
      else
        last_status = st.version;
    }
    n++;
  }
  atomic_fetch_add(&reads, n);
  return NULL;
}

static atomic_llong cb_last;
static void on_reload(int64_t version, const char* const* keys, size_t n, const omega_snapshot* s, void* ud) {
  (void)ud;
  long long prev = atomic_load(&cb_last);
  if (version <= prev) fail("callback order %lld -> %lld", prev, (long long)version);
  atomic_store(&cb_last, version);
  if (omega_snapshot_version(s) != version)
    fail("callback v%lld got snapshot v%lld", (long long)version, (long long)omega_snapshot_version(s));
  if (n != NKEYS + 1) fail("callback v%lld: %zu changed keys", (long long)version, n);
  for (size_t i = 1; i < n; i++)
    if (strcmp(keys[i - 1], keys[i]) >= 0)
      fail("changed keys unsorted at v%lld [%zu] %s", (long long)version, i, keys[i]);
  long long dummy = 0;
  check_snapshot(s, &dummy, "callback");
  atomic_fetch_add(&callbacks, 1);
}

static void churn_cb(int64_t v, const char* const* k, size_t n, const omega_snapshot* s, void* ud) {
  (void)k;
  (void)n;
  (void)ud;
  if (omega_snapshot_version(s) != v)
    fail("churn cb v%lld snapshot v%lld", (long long)v, (long long)omega_snapshot_version(s));
}
static void churn_destroy(void* ud) {
  (void)ud;
  atomic_fetch_add(&churn_destroys, 1);
}

static void* churner(void* arg) {
  (void)arg;
  while (!atomic_load(&stop)) {
    uint64_t tok = 0;
    if (omega_cfg_on_reload(th_CFG, churn_cb, NULL, churn_destroy, &tok) != OMEGA_OK) {
      fail("churn on_reload failed: %s", omega_last_error());
      break;
    }
    atomic_fetch_add(&churn_regs, 1);
    th_sleep_ms(1);
    int rc = omega_cfg_off_reload(th_CFG, tok);
    if (rc != OMEGA_OK) fail("churn off_reload rc %d", rc);
  }
  return NULL;
}

struct writer_arg {
  int duration_ms;
  long long published;
  char err[256];
};

static void* writer(void* arg) {
  struct writer_arg* w = arg;
  int64_t t0 = th_now_ms();
  long long v = 2;
  while (th_now_ms() - t0 < w->duration_ms) {
    char* js = make_json(v);
    th_pub p = {0};
    p.json = js;
    p.version = v;
    p.with_meta = 1; /* sha256 checked on every install */
    p.epoch = "S";
    int rc = th_try_publish(&th_R, &p, w->err, sizeof w->err);
    free(js);
    if (rc != 0) break;
    atomic_store(&last_published, v);
    /* ~1000 per second */
    int64_t due = t0 + (v - 1);
    int64_t now = th_now_ms();
    if (due > now) th_sleep_ms((int)(due - now));
    v++;
  }
  w->published = v - 2;
  return NULL;
}

static void up(void) {
  th_suite_redis_up();
  char* js = make_json(1);
  th_publish_meta(&th_R, js, 1, "S");
  free(js);
  th_CFG = th_open(&th_R, NULL);
}

Test(stress, readers_during_1000_reloads_per_second, .init = up, .fini = th_suite_redis_down, .timeout = 90) {
  uint64_t tok;
  cr_assert_eq(omega_cfg_on_reload(th_CFG, on_reload, NULL, NULL, &tok), OMEGA_OK);
  pthread_t rt[NREADERS], ct, wt;
  for (long i = 0; i < NREADERS; i++) pthread_create(&rt[i], NULL, reader, (void*)(intptr_t)i);
  pthread_create(&ct, NULL, churner, NULL);
  struct writer_arg w = {0};
  w.duration_ms = 2500;
  pthread_create(&wt, NULL, writer, &w);
  pthread_join(wt, NULL);
  cr_assert_str_eq(w.err, "", "writer: %s", w.err);
  long long last = atomic_load(&last_published);
  int converged = th_wait_version(th_CFG, last, 10000);
  atomic_store(&stop, 1);
  for (int i = 0; i < NREADERS; i++) pthread_join(rt[i], NULL);
  pthread_join(ct, NULL);
  cr_assert_eq(omega_cfg_off_reload(th_CFG, tok), OMEGA_OK);

  omega_cfg_status st;
  th_status(th_CFG, &st);
  cr_log_info(
      "stress: published %lld versions in %d ms, %lld callbacks, %llu installs, "
      "%ld reads, %ld pins, %ld callback (un)registrations",
      w.published, w.duration_ms, (long long)atomic_load(&callbacks), (unsigned long long)st.reloads,
      (long)atomic_load(&reads), (long)atomic_load(&pins), (long)atomic_load(&churn_regs));
  cr_assert_eq(atomic_load(&errors), 0, "%ld inconsistent reads; first: %s", (long)atomic_load(&errors), first_error);
  cr_assert(converged, "never converged on v%lld (at v%lld)", last, (long long)st.version);
  cr_assert_gt(w.published, 500, "writer managed only %lld versions", w.published);
  cr_assert_gt(atomic_load(&callbacks), 10, "too few reloads installed");
  cr_assert_gt(atomic_load(&reads), 1000);
  cr_assert_eq(atomic_load(&churn_destroys), atomic_load(&churn_regs), "destroy ran %ld times for %ld registrations",
               (long)atomic_load(&churn_destroys), (long)atomic_load(&churn_regs));
  cr_assert_eq(st.state, OMEGA_STATE_READY);
  cr_assert_eq(st.rejected, 0);
}

/* Opening and closing handles while other handles are busy: no thread left
 * behind, no crash, under the sanitizers. */
static void* open_close_loop(void* arg) {
  th_redis* r = arg;
  for (int i = 0; i < 15 && !atomic_load(&stop); i++) {
    omega_cfg_options o = th_fast_opts(r);
    omega_cfg* c = NULL;
    if (omega_cfg_open(&o, &c) != OMEGA_OK) {
      fail("open %d failed: %s", i, omega_last_error());
      continue;
    }
    char buf[64];
    if (omega_cfg_get(c, "K01", buf, sizeof buf, NULL) != OMEGA_OK) fail("get K01 after open %d", i);
    omega_cfg_close(c);
  }
  return NULL;
}

Test(stress, open_close_while_reloading, .init = up, .fini = th_suite_redis_down, .timeout = 60) {
  pthread_t t[3], wt;
  for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, open_close_loop, &th_R);
  struct writer_arg w = {0};
  w.duration_ms = 1500;
  pthread_create(&wt, NULL, writer, &w);
  for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
  pthread_join(wt, NULL);
  cr_assert_str_eq(w.err, "", "writer: %s", w.err);
  cr_assert_eq(atomic_load(&errors), 0, "%s", first_error);
}
