/* handles.c — opening omega_cfg handles for tests, reading status and values,
 * and waiting for a version or a state. See harness.h. */
#define _GNU_SOURCE
#include "harness.h"

#include <stdio.h>
#include "th_test.h"

void th_status(omega_cfg* cfg, omega_cfg_status* st) {
  omega_cfg_status init = OMEGA_CFG_STATUS_INIT;
  *st = init;
  int rc = omega_cfg_get_status(cfg, st);
  cr_assert_eq(rc, OMEGA_OK, "omega_cfg_get_status: %d %s", rc, omega_last_error());
}

struct status_wait {
  omega_cfg* cfg;
  int64_t version; /* wanted version, when by_state is 0 */
  int state;       /* wanted state, when by_state is 1 */
  int by_state;
};

static int status_reached(void* arg) {
  struct status_wait* w = arg;
  omega_cfg_status st = OMEGA_CFG_STATUS_INIT;
  if (omega_cfg_get_status(w->cfg, &st) != OMEGA_OK) return 0;
  return w->by_state ? st.state == w->state : st.version == w->version;
}

int th_wait_version(omega_cfg* cfg, int64_t v, int timeout_ms) {
  struct status_wait w = {cfg, v, 0, 0};
  return th_wait_until(status_reached, &w, timeout_ms);
}

int th_wait_state(omega_cfg* cfg, int state, int timeout_ms) {
  struct status_wait w = {cfg, 0, state, 1};
  return th_wait_until(status_reached, &w, timeout_ms);
}

omega_cfg_options th_fast_opts(th_redis* r) {
  omega_cfg_options o = OMEGA_CFG_OPTIONS_INIT;
  o.redis_url = r ? r->url : NULL;
  o.connect_timeout_ms = 500;
  o.command_timeout_ms = 500;
  o.poll_interval_ms = 200;
  o.heartbeat_ms = 200;
  o.reconnect_max_ms = 300;
  return o;
}

omega_cfg* th_open(th_redis* r, omega_cfg_options* opts) {
  omega_cfg_options o = opts ? *opts : th_fast_opts(r);
  if (!o.redis_url && r) o.redis_url = r->url;
  omega_cfg* cfg = NULL;
  int rc = omega_cfg_open(&o, &cfg);
  cr_assert_eq(rc, OMEGA_OK, "omega_cfg_open(%s): %d %s (%s)", o.redis_url ? o.redis_url : "(default)", rc,
               omega_strerror(rc), omega_last_error());
  cr_assert_not_null(cfg);
  return cfg;
}

const char* th_get(omega_cfg* cfg, const char* key) {
  static __thread char buf[4096];
  size_t len = 0;
  int rc = omega_cfg_get(cfg, key, buf, sizeof buf, &len);
  if (rc != OMEGA_OK) snprintf(buf, sizeof buf, "<%d>", rc);
  return buf;
}
