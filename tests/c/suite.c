/* suite.c — the shared suite fixture: one private redis-server (th_R) and at
 * most one handle on it (th_CFG) per test. See harness.h. */
#include "harness.h"

th_redis th_R;
omega_cfg* th_CFG;

void th_suite_redis_up(void) { th_redis_start(&th_R, NULL); }

void th_suite_redis_down(void) {
  /* close first: the handle's watcher thread still talks to the server */
  omega_cfg_close(th_CFG);
  th_CFG = NULL;
  th_redis_stop(&th_R);
}
