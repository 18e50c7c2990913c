/* test_hardening.c — defects that hostile testing found in the reader, each reproduced
 * against a real redis-server: a child of fork() killed the parent's hot reload, the status
 * said READY while nothing synced, a failed require froze the reader, and an older snapshot
 * in Redis went unnoticed. */
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "th_test.h"

#include "harness.h"

static void up(void) {
  th_suite_redis_up();
  th_publish_meta(&th_R, "{\"LOG_LEVEL\":\"INFO\",\"N\":1}", 1, "e1");
  th_CFG = th_open(&th_R, NULL);
}

static void down(void) { th_suite_redis_down(); }

TestSuite(hardening, .init = up, .fini = down, .timeout = 40);

/* Item 1. The child of fork() reads what it inherited and closes the handle; the parent's
 * watcher must not notice: its eventfd, sockets and thread are not the child's. */
Test(hardening, fork_child_close_keeps_hot_reload_in_the_parent) {
  pid_t pid = fork();
  cr_assert_neq(pid, -1);
  if (pid == 0) {
    int ok = strcmp(th_get(th_CFG, "LOG_LEVEL"), "INFO") == 0;
    omega_cfg_close(th_CFG); /* frees memory only */
    _exit(ok ? 0 : 3);
  }
  int status = 0;
  cr_assert(th_wait_child(pid, &status, 10000), "the child did not exit");
  cr_assert(WIFEXITED(status), "the child died (signal %d): close in a child must not abort",
            WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  cr_assert_eq(WEXITSTATUS(status), 0, "the child could not read its inherited snapshot");

  th_publish_meta(&th_R, "{\"LOG_LEVEL\":\"DEBUG\",\"N\":1}", 2, "e1");
  cr_assert(th_wait_version(th_CFG, 2, 3000), "the parent no longer reloads after its child closed the handle");
  cr_assert_str_eq(th_get(th_CFG, "LOG_LEVEL"), "DEBUG");
  omega_cfg_status st;
  th_status(th_CFG, &st);
  cr_assert_eq(st.state, OMEGA_STATE_READY, "%s", st.last_error);
}

/* Item 1, the other way round: the child's copy follows nothing (it has no watcher), and
 * says so once the freshness window has passed, while still serving what it inherited. */
Test(hardening, fork_child_handle_is_inert_and_says_stale) {
  pid_t pid = fork();
  cr_assert_neq(pid, -1);
  if (pid == 0) {
    omega_cfg_options o = th_fast_opts(&th_R);
    th_sleep_ms((int)(o.poll_interval_ms + o.command_timeout_ms) + 300);
    omega_cfg_status st = OMEGA_CFG_STATUS_INIT;
    int rc = omega_cfg_get_status(th_CFG, &st);
    int ok = rc == OMEGA_OK && st.state == OMEGA_STATE_STALE && st.version == 1 &&
             strcmp(th_get(th_CFG, "LOG_LEVEL"), "INFO") == 0;
    omega_cfg_close(th_CFG);
    _exit(ok ? 0 : 4);
  }
  int status = 0;
  cr_assert(th_wait_child(pid, &status, 10000), "the child did not exit");
  cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
}

/* Item 2. A watcher that stops syncing (here: stuck in a slow reload callback) must turn the
 * state STALE from the age of the last sync, not wait for the watcher to notice. */
static atomic_int release_callback;

static void slow_callback(int64_t version, const char* const* keys, size_t n, const omega_snapshot* s, void* u) {
  (void)version, (void)keys, (void)n, (void)s, (void)u;
  while (!atomic_load(&release_callback)) th_sleep_ms(10);
}

static int is_stale(void* cfg) {
  omega_cfg_status st = OMEGA_CFG_STATUS_INIT;
  return omega_cfg_get_status(cfg, &st) == OMEGA_OK && st.state == OMEGA_STATE_STALE;
}

Test(hardening, status_goes_stale_when_syncs_stop) {
  atomic_store(&release_callback, 0);
  uint64_t token = 0;
  cr_assert_eq(omega_cfg_on_reload(th_CFG, slow_callback, NULL, NULL, &token), OMEGA_OK);
  th_publish_meta(&th_R, "{\"LOG_LEVEL\":\"WARNING\",\"N\":1}", 2, "e1");
  cr_assert(th_wait_version(th_CFG, 2, 3000));
  omega_cfg_options o = th_fast_opts(&th_R);
  int window = (int)(o.poll_interval_ms + o.command_timeout_ms);
  cr_assert(th_wait_until(is_stale, th_CFG, window + 2000), "READY although no sync happened for over %d ms", window);
  omega_cfg_status st;
  th_status(th_CFG, &st);
  cr_assert(strstr(st.last_error, "no successful sync") != NULL, "%s", st.last_error);
  cr_assert_gt(st.ms_since_sync, window);
  atomic_store(&release_callback, 1);
  cr_assert(th_wait_state(th_CFG, OMEGA_STATE_READY, 3000), "not READY again once syncing resumed");
  cr_assert_eq(omega_cfg_off_reload(th_CFG, token), OMEGA_OK);
}

/* Item 3. A require that failed reports and changes nothing: later snapshots without the
 * probed keys are still installed. */
Test(hardening, failed_require_is_not_remembered) {
  const char* keys[] = {"A", "LOG_LEVEL", "B"};
  cr_assert_eq(omega_cfg_require(th_CFG, keys, 3), OMEGA_E_MISSING_KEYS);
  cr_assert(strstr(omega_last_error(), "A, B") != NULL, "%s", omega_last_error());
  th_publish_meta(&th_R, "{\"LOG_LEVEL\":\"ERROR\",\"N\":2}", 2, "e1");
  cr_assert(th_wait_version(th_CFG, 2, 3000), "the reader froze: a failed require was remembered");
  omega_cfg_status st;
  th_status(th_CFG, &st);
  cr_assert_eq(st.state, OMEGA_STATE_READY, "%s", st.last_error);
  cr_assert_eq(st.rejected, 0);
  /* A require that succeeded is remembered, as before. */
  const char* present[] = {"log_level"};
  cr_assert_eq(omega_cfg_require(th_CFG, present, 1), OMEGA_OK);
  th_publish_meta(&th_R, "{\"N\":3}", 3, "e1");
  cr_assert(th_wait_state(th_CFG, OMEGA_STATE_ERROR, 3000));
  cr_assert_str_eq(th_get(th_CFG, "LOG_LEVEL"), "ERROR", "the last good snapshot stays");
}

/* Item 4. Redis restored from an old dump: an older version of the same epoch is not
 * installed (never go back), and the status says so instead of READY. */
Test(hardening, older_snapshot_in_same_epoch_is_visible) {
  th_publish_meta(&th_R, "{\"LOG_LEVEL\":\"INFO\",\"N\":5}", 5, "e1");
  cr_assert(th_wait_version(th_CFG, 5, 3000));
  th_publish_meta(&th_R, "{\"LOG_LEVEL\":\"INFO\",\"N\":3}", 3, "e1");
  cr_assert(th_wait_until(is_stale, th_CFG, 3000), "an older snapshot in Redis left the status READY");
  omega_cfg_status st;
  th_status(th_CFG, &st);
  cr_assert_eq(st.version, 5, "went back");
  cr_assert(strstr(st.last_error, "older than the applied version 5") != NULL, "%s", st.last_error);
  /* Once Redis is ahead again, the status is READY. */
  th_publish_meta(&th_R, "{\"LOG_LEVEL\":\"INFO\",\"N\":6}", 6, "e1");
  cr_assert(th_wait_version(th_CFG, 6, 3000));
  cr_assert(th_wait_state(th_CFG, OMEGA_STATE_READY, 3000));
}
