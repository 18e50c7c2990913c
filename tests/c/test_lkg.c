/* test_lkg.c — starting while Redis is down: without a last-known-good file
 * the open fails with OMEGA_E_UNAVAILABLE; with one written by an earlier
 * handle it opens STALE with the old values, then becomes READY. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "th_test.h"

#include "harness.h"

/* th_R, no handle: each test opens its own, with LKG as the file. */
static char DIR_[256];
static char LKG[320];

static void up(void) {
  th_suite_redis_up();
  th_mkdtemp(DIR_, sizeof DIR_);
  snprintf(LKG, sizeof LKG, "%s/omega-lkg.json", DIR_);
}

static void down(void) {
  th_suite_redis_down();
  th_rm_rf(DIR_);
}

TestSuite(lkg, .init = up, .fini = down, .timeout = 30);

static omega_cfg_options lkg_opts(void) {
  omega_cfg_options o = th_fast_opts(&th_R);
  o.last_known_good_path = LKG;
  return o;
}

static int file_written(void* path) {
  struct stat sb;
  return stat(path, &sb) == 0 && sb.st_size > 0;
}

static int wait_file(const char* path, int timeout_ms) { return th_wait_until(file_written, (void*)path, timeout_ms); }

Test(lkg, redis_down_without_file_is_unavailable) {
  th_redis_kill(&th_R);
  omega_cfg_options o = lkg_opts();
  omega_cfg* c = (omega_cfg*)0x1;
  int rc = omega_cfg_open(&o, &c);
  cr_assert_eq(rc, OMEGA_E_UNAVAILABLE, "got %d %s", rc, omega_last_error());
  cr_assert_null(c);
  cr_assert_gt(strlen(omega_last_error()), 0);
  cr_assert_neq(access(LKG, F_OK), 0, "a failed open created the file");
}

Test(lkg, file_written_0600_then_used_stale_then_ready) {
  mode_t old = umask(0); /* the file must be 0600 whatever the umask */
  th_publish_meta(&th_R, "{\"A\":\"three\",\"N\":5,\"GONE\":\"x\"}", 3, "E1");
  omega_cfg_options o = lkg_opts();
  omega_cfg* c1 = th_open(&th_R, &o);
  cr_assert(wait_file(LKG, 3000), "last-known-good file not written");
  struct stat sb;
  cr_assert_eq(stat(LKG, &sb), 0);
  cr_assert_eq(sb.st_mode & 0777, 0600, "mode %o", (unsigned)(sb.st_mode & 0777));
  cr_assert(S_ISREG(sb.st_mode));

  /* a reload updates the file */
  th_publish_meta(&th_R, "{\"A\":\"four\",\"N\":5,\"GONE\":\"x\"}", 4, "E1");
  cr_assert(th_wait_version(c1, 4, 3000));
  th_sleep_ms(300);
  omega_cfg_close(c1);
  umask(old);

  char out[16];
  th_cli(&th_R, out, sizeof out, "SAVE", NULL);
  th_redis_kill(&th_R);

  /* Redis is down: opens STALE from the file */
  omega_cfg* c2 = NULL;
  int64_t t0 = th_now_ms();
  int rc = omega_cfg_open(&o, &c2);
  cr_assert_eq(rc, OMEGA_OK, "open with an LKG file while Redis is down: %d %s", rc, omega_last_error());
  cr_assert_lt(th_now_ms() - t0, 4000);
  omega_cfg_status st;
  th_status(c2, &st);
  cr_assert_eq(st.state, OMEGA_STATE_STALE, "state %s", omega_state_name(st.state));
  cr_assert_eq(st.version, 4, "the file holds v%lld", (long long)st.version);
  cr_assert_str_eq(st.epoch, "E1");
  cr_assert_eq(st.ms_since_sync, -1, "never synced with Redis, yet ms_since_sync=%lld", (long long)st.ms_since_sync);
  cr_assert_str_eq(th_get(c2, "A"), "four");
  int64_t n = 0;
  cr_assert_eq(omega_cfg_get_int64(c2, "n", &n), OMEGA_OK);
  cr_assert_eq(n, 5);
  omega_snapshot* s;
  cr_assert_eq(omega_cfg_snapshot(c2, &s), OMEGA_OK);
  cr_assert_eq(omega_snapshot_version(s), 4);
  cr_assert_eq(omega_snapshot_count(s), 3);
  omega_snapshot_release(s);
  const char* need[] = {"A", "N"};
  cr_assert_eq(omega_cfg_require(c2, need, 2), OMEGA_OK);

  th_recorder rec;
  th_recorder_init(&rec, c2, "A");
  th_recorder_register(&rec, c2);

  /* Redis comes back with the same data: READY, nothing changed */
  th_redis_start_again(&th_R);
  cr_assert(th_wait_state(c2, OMEGA_STATE_READY, 5000), "not READY after Redis came back");
  th_status(c2, &st);
  cr_assert_eq(st.version, 4);
  cr_assert_geq(st.ms_since_sync, 0);
  cr_assert_eq(th_recorder_count(&rec), 0);

  /* and then hot reloads as usual, diffed against the file's snapshot */
  th_publish_meta(&th_R, "{\"A\":\"five\",\"N\":5}", 5, "E1");
  cr_assert(th_recorder_wait_version(&rec, 5, 3000));
  th_event e = th_recorder_event(&rec, 0);
  cr_assert_str_eq(e.changed, "A,GONE");
  omega_cfg_close(c2);
  th_recorder_free(&rec);
}

Test(lkg, redis_back_with_newer_data) {
  th_publish(&th_R, "{\"A\":\"one\"}", 1);
  omega_cfg_options o = lkg_opts();
  omega_cfg* c1 = th_open(&th_R, &o);
  cr_assert(wait_file(LKG, 3000));
  th_sleep_ms(100);
  omega_cfg_close(c1);
  th_redis_kill(&th_R); /* data lost too */

  omega_cfg* c2 = NULL;
  cr_assert_eq(omega_cfg_open(&o, &c2), OMEGA_OK, "%s", omega_last_error());
  cr_assert(th_wait_state(c2, OMEGA_STATE_STALE, 100));
  cr_assert_str_eq(th_get(c2, "A"), "one");
  th_redis_start_again(&th_R);
  th_publish(&th_R, "{\"A\":\"two\"}", 2);
  cr_assert(th_wait_version(c2, 2, 5000), "did not converge after starting STALE");
  cr_assert(th_wait_state(c2, OMEGA_STATE_READY, 2000));
  cr_assert_str_eq(th_get(c2, "A"), "two");
  omega_cfg_close(c2);
}

Test(lkg, redis_up_opens_ready_from_redis_not_the_file) {
  th_publish(&th_R, "{\"A\":\"old\"}", 1);
  omega_cfg_options o = lkg_opts();
  omega_cfg* c1 = th_open(&th_R, &o);
  cr_assert(wait_file(LKG, 3000));
  th_sleep_ms(100);
  omega_cfg_close(c1);
  th_publish(&th_R, "{\"A\":\"new\"}", 2);
  omega_cfg* c2 = th_open(&th_R, &o);
  omega_cfg_status st;
  th_status(c2, &st);
  cr_assert_eq(st.state, OMEGA_STATE_READY);
  cr_assert_eq(st.version, 2);
  cr_assert_str_eq(th_get(c2, "A"), "new");
  omega_cfg_close(c2);
}

Test(lkg, corrupt_file_with_redis_down_fails) {
  int fd = open(LKG, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  cr_assert(fd >= 0);
  const char junk[] = "this is not a snapshot {";
  cr_assert(write(fd, junk, sizeof junk - 1) == (ssize_t)(sizeof junk - 1));
  close(fd);
  th_redis_kill(&th_R);
  omega_cfg_options o = lkg_opts();
  omega_cfg* c = (omega_cfg*)0x1;
  int rc = omega_cfg_open(&o, &c);
  cr_assert(rc == OMEGA_E_UNAVAILABLE || rc == OMEGA_E_BAD_SNAPSHOT, "corrupt LKG file, Redis down: got %d %s", rc,
            omega_last_error());
  cr_assert_null(c);
}

Test(lkg, unwritable_path_does_not_break_a_live_handle) {
  th_publish(&th_R, "{\"A\":\"live\"}", 1);
  omega_cfg_options o = lkg_opts();
  o.last_known_good_path = "/nonexistent-dir-omega/lkg.json";
  omega_cfg* c = th_open(&th_R, &o);
  cr_assert_str_eq(th_get(c, "A"), "live");
  th_publish(&th_R, "{\"A\":\"live2\"}", 2);
  cr_assert(th_wait_version(c, 2, 3000));
  omega_cfg_close(c);
}
