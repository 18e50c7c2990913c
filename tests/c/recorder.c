/* recorder.c — a reload callback that records what it is given (version,
 * changed keys, a probed value, its thread), optionally sleeps or unregisters
 * itself, and counts destroy calls. See harness.h. */
#define _GNU_SOURCE
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "th_test.h"

static void lock(th_recorder* rec) { pthread_mutex_lock((pthread_mutex_t*)rec->mu); }
static void unlock(th_recorder* rec) { pthread_mutex_unlock((pthread_mutex_t*)rec->mu); }

void th_recorder_init(th_recorder* rec, omega_cfg* cfg, const char* probe_key) {
  memset(rec, 0, sizeof *rec);
  pthread_mutex_t* mu = malloc(sizeof *mu);
  cr_assert(mu);
  pthread_mutex_init(mu, NULL);
  rec->mu = mu;
  rec->cfg = cfg;
  rec->probe_key = probe_key;
}

void th_recorder_free(th_recorder* rec) {
  if (!rec->mu) return;
  pthread_mutex_destroy((pthread_mutex_t*)rec->mu);
  free(rec->mu);
  rec->mu = NULL;
}

void th_recorder_cb(int64_t version, const char* const* changed_keys, size_t n_changed, const omega_snapshot* snapshot,
                    void* user_data) {
  th_recorder* rec = (th_recorder*)user_data;
  th_event e;
  memset(&e, 0, sizeof e);
  e.version = version;
  e.snap_version = omega_snapshot_version(snapshot);
  e.n_changed = n_changed;
  e.thread_id = (unsigned long)pthread_self();
  size_t used = 0;
  for (size_t i = 0; i < n_changed; i++) {
    int k = snprintf(e.changed + used, sizeof e.changed - used, "%s%s", i ? "," : "",
                     changed_keys[i] ? changed_keys[i] : "(null)");
    if (k < 0 || (size_t)k >= sizeof e.changed - used) break;
    used += (size_t)k;
  }
  if (rec->probe_key) {
    const char* v = NULL;
    int rc = omega_snapshot_get(snapshot, rec->probe_key, &v, NULL);
    if (rc == OMEGA_OK)
      snprintf(e.probe, sizeof e.probe, "%.255s", v);
    else
      snprintf(e.probe, sizeof e.probe, "<%d>", rc);
    if (rec->cfg) snprintf(e.probe_via_cfg, sizeof e.probe_via_cfg, "%.255s", th_get(rec->cfg, rec->probe_key));
  }
  lock(rec);
  if (rec->n < TH_MAX_EVENTS) rec->ev[rec->n] = e;
  rec->n++;
  rec->inside = 1;
  unlock(rec);

  if (rec->sleep_ms) th_sleep_ms(rec->sleep_ms);
  if (rec->unregister_self && rec->cfg) {
    int rc = omega_cfg_off_reload(rec->cfg, rec->token);
    lock(rec);
    rec->self_off_rc = rc;
    unlock(rec);
  }

  lock(rec);
  rec->inside = 0;
  rec->finished++;
  unlock(rec);
}

void th_recorder_destroy(void* user_data) {
  th_recorder* rec = (th_recorder*)user_data;
  lock(rec);
  rec->destroyed++;
  unlock(rec);
}

void th_recorder_register(th_recorder* rec, omega_cfg* cfg) {
  uint64_t tok = 0;
  /* the token is written before any callback can read it: hold the lock */
  lock(rec);
  int rc = omega_cfg_on_reload(cfg, th_recorder_cb, rec, th_recorder_destroy, &tok);
  rec->token = tok;
  unlock(rec);
  cr_assert_eq(rc, OMEGA_OK, "omega_cfg_on_reload: %d %s", rc, omega_last_error());
  cr_assert_neq(tok, 0, "token must never be 0");
}

/* ---- reading it under the lock -------------------------------------------------- */

int th_recorder_count(th_recorder* rec) {
  lock(rec);
  int n = rec->n;
  unlock(rec);
  return n;
}

th_event th_recorder_event(th_recorder* rec, int i) {
  th_event e;
  lock(rec);
  cr_assert(i >= 0 && i < rec->n && i < TH_MAX_EVENTS, "no event %d (have %d)", i, rec->n);
  e = rec->ev[i];
  unlock(rec);
  return e;
}

int th_recorder_destroyed(th_recorder* rec) {
  lock(rec);
  int d = rec->destroyed;
  unlock(rec);
  return d;
}

int th_recorder_inside(th_recorder* rec) {
  lock(rec);
  int d = rec->inside;
  unlock(rec);
  return d;
}

int th_recorder_finished(th_recorder* rec) {
  lock(rec);
  int d = rec->finished;
  unlock(rec);
  return d;
}

/* ---- waiting on it --------------------------------------------------------------- */

struct recorder_wait {
  th_recorder* rec;
  int64_t n; /* a version, or a count */
};

/* The last callback was for version >= n, and it has returned. */
static int reached_version(void* arg) {
  struct recorder_wait* w = arg;
  lock(w->rec);
  int n = w->rec->n < TH_MAX_EVENTS ? w->rec->n : TH_MAX_EVENTS;
  int done = n > 0 && w->rec->ev[n - 1].version >= w->n && !w->rec->inside;
  unlock(w->rec);
  return done;
}

static int reached_count(void* arg) {
  struct recorder_wait* w = arg;
  return th_recorder_count(w->rec) >= w->n;
}

static int is_inside(void* arg) { return th_recorder_inside(arg); }

static int was_destroyed(void* arg) { return th_recorder_destroyed(arg) > 0; }

int th_recorder_wait_version(th_recorder* rec, int64_t v, int timeout_ms) {
  struct recorder_wait w = {rec, v};
  return th_wait_until(reached_version, &w, timeout_ms);
}

int th_recorder_wait_count(th_recorder* rec, int n, int timeout_ms) {
  struct recorder_wait w = {rec, n};
  return th_wait_until(reached_count, &w, timeout_ms);
}

int th_recorder_wait_inside(th_recorder* rec, int timeout_ms) { return th_wait_until(is_inside, rec, timeout_ms); }

int th_recorder_wait_destroyed(th_recorder* rec, int timeout_ms) {
  return th_wait_until(was_destroyed, rec, timeout_ms);
}
