/* test_faults.c — bad snapshots are rejected and the last good one kept;
 * missed messages converge through the backstop poll; Redis restarts (data
 * kept, data lost), a hung Redis (SIGSTOP) and a silent partition. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "th_test.h"

#include "harness.h"

#define CAP 2048

/* A recorder registered on th_CFG, which has a snapshot size cap of CAP. */
static th_recorder REC;

static void up(void) {
  th_suite_redis_up();
  th_publish(&th_R, "{\"A\":\"good\",\"B\":2}", 1);
  omega_cfg_options o = th_fast_opts(&th_R);
  o.max_snapshot_bytes = CAP;
  th_CFG = th_open(&th_R, &o);
  th_recorder_init(&REC, th_CFG, "A");
  th_recorder_register(&REC, th_CFG);
}

static void down(void) {
  th_suite_redis_down(); /* closes th_CFG: REC's destroy has run */
  th_recorder_free(&REC);
}

TestSuite(faults, .init = up, .fini = down, .timeout = 30);

static int icontains(const char* hay, const char* needle) {
  size_t n = strlen(needle);
  for (; *hay; hay++) {
    size_t i = 0;
    while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i])) i++;
    if (i == n) return 1;
  }
  return 0;
}

/* Publishes p, expects it rejected: state ERROR, version and values of the
 * last good snapshot kept, rejected +1 (once, even after several polls),
 * last_error says why (one of the hint words), no callback. Then a good
 * snapshot recovers. */
static void expect_rejected(const th_pub* p, const char* const* hints) {
  omega_cfg_status s0, s1;
  th_status(th_CFG, &s0);
  int cb0 = th_recorder_count(&REC);
  th_publish_ex(&th_R, p);
  cr_assert(th_wait_state(th_CFG, OMEGA_STATE_ERROR, 3000), "v%lld (%.60s) was not rejected", (long long)p->version,
            p->json);
  th_sleep_ms(700); /* several backstop polls see the same bad version */
  th_status(th_CFG, &s1);
  cr_assert_eq(s1.state, OMEGA_STATE_ERROR);
  cr_assert_eq(s1.version, s0.version, "local version moved to a rejected snapshot");
  cr_assert_eq(s1.rejected, s0.rejected + 1, "rejected went %llu -> %llu", (unsigned long long)s0.rejected,
               (unsigned long long)s1.rejected);
  cr_assert_eq(s1.last_error_code, OMEGA_E_BAD_SNAPSHOT, "last_error_code %d", s1.last_error_code);
  cr_assert_gt(strlen(s1.last_error), 0);
  int hit = 0;
  for (const char* const* h = hints; *h; h++) hit |= icontains(s1.last_error, *h);
  cr_assert(hit, "last_error does not say why: \"%s\" (expected a word like \"%s\")", s1.last_error, hints[0]);
  cr_assert_str_eq(th_get(th_CFG, "A"), "good", "last good snapshot not kept");
  cr_assert_str_eq(th_get(th_CFG, "B"), "2");
  cr_assert_eq(th_recorder_count(&REC), cb0, "a callback ran for a rejected snapshot");
  cr_log_info("rejected as expected: %s", s1.last_error);

  /* recovery */
  char js[64];
  snprintf(js, sizeof js, "{\"A\":\"recovered\",\"B\":%lld}", (long long)p->version + 1);
  /* a writer that writes meta keeps writing it (a stale meta would not match) */
  if (p->with_meta)
    th_publish_meta(&th_R, js, p->version + 1, p->epoch);
  else
    th_publish(&th_R, js, p->version + 1);
  cr_assert(th_recorder_wait_version(&REC, p->version + 1, 3000), "no recovery");
  th_status(th_CFG, &s1);
  cr_assert_eq(s1.state, OMEGA_STATE_READY);
  cr_assert_eq(s1.version, p->version + 1);
  th_event e = th_recorder_event(&REC, th_recorder_count(&REC) - 1);
  cr_assert_str_eq(e.changed, "A,B", "diff is against the last good snapshot");
}

static void reject_json(const char* json, const char* const* hints) {
  th_pub p = {0};
  p.json = json;
  p.version = 2;
  expect_rejected(&p, hints);
}

static const char* const JSON_HINTS[] = {"json", "parse", "invalid", "syntax", NULL};

Test(faults, corrupt_json) { reject_json("{\"A\":", JSON_HINTS); }

Test(faults, empty_snapshot_string) { reject_json("", JSON_HINTS); }

Test(faults, duplicate_keys) {
  static const char* const h[] = {"duplicate", "dup", "twice", NULL};
  reject_json("{\"A\":\"x\",\"B\":3,\"A\":\"y\"}", h);
}

Test(faults, non_finite_number) {
  static const char* const h[] = {"finite", "inf", "range", "overflow", "number", NULL};
  reject_json("{\"A\":\"x\",\"B\":1e400}", h);
}

Test(faults, trailing_garbage) {
  static const char* const h[] = {"trailing", "garbage", "end", "extra", "json", NULL};
  reject_json("{\"A\":\"x\",\"B\":3} {\"C\":1}", h);
}

Test(faults, not_an_object) {
  static const char* const h[] = {"object", "json", NULL};
  reject_json("[\"A\",\"B\"]", h);
}

Test(faults, trailing_whitespace_is_fine) {
  th_publish(&th_R, "{\"A\":\"ws\",\"B\":3}\n\t ", 2);
  cr_assert(th_wait_version(th_CFG, 2, 3000), "trailing whitespace rejected");
  cr_assert_str_eq(th_get(th_CFG, "A"), "ws");
}

static char* sized_json(size_t total) {
  /* {"A":"good","B":2,"PAD":"xxx..."} of exactly total bytes */
  const char* head = "{\"A\":\"good\",\"B\":2,\"PAD\":\"";
  const char* tail = "\"}";
  size_t fixed = strlen(head) + strlen(tail);
  cr_assert_geq(total, fixed);
  char* s = malloc(total + 1);
  strcpy(s, head);
  memset(s + strlen(head), 'x', total - fixed);
  strcpy(s + total - strlen(tail), tail);
  cr_assert_eq(strlen(s), total);
  return s;
}

Test(faults, size_cap_boundary) {
  /* exactly the cap: accepted */
  char* at = sized_json(CAP);
  th_publish(&th_R, at, 2);
  cr_assert(th_wait_version(th_CFG, 2, 3000), "a snapshot of exactly max_snapshot_bytes rejected");
  free(at);
  /* one byte more: rejected */
  static const char* const h[] = {"size", "large", "bytes", "cap", "max", "limit", NULL};
  char* over = sized_json(CAP + 1);
  th_pub p = {0};
  p.json = over;
  p.version = 3;
  omega_cfg_status s0;
  th_status(th_CFG, &s0);
  th_publish_ex(&th_R, &p);
  cr_assert(th_wait_state(th_CFG, OMEGA_STATE_ERROR, 3000), "oversized snapshot not rejected");
  omega_cfg_status s1;
  th_status(th_CFG, &s1);
  cr_assert_eq(s1.version, 2);
  cr_assert_eq(s1.rejected, s0.rejected + 1);
  int hit = 0;
  for (const char* const* w = h; *w; w++) hit |= icontains(s1.last_error, *w);
  cr_assert(hit, "last_error: %s", s1.last_error);
  free(over);
}

Test(faults, oversized_by_far) {
  static const char* const h[] = {"size", "large", "bytes", "cap", "max", "limit", NULL};
  char* big = sized_json(200000);
  th_pub p = {0};
  p.json = big;
  p.version = 2;
  expect_rejected(&p, h);
  free(big);
}

/* The fetch refuses an oversized snapshot without reading it: it abandons its connection with
 * the reply unread and connects again. The next good version still arrives, promptly. */
Test(faults, oversized_then_good_is_installed) {
  char* big = sized_json(200000);
  th_publish(&th_R, big, 2);
  cr_assert(th_wait_state(th_CFG, OMEGA_STATE_ERROR, 3000), "oversized snapshot not rejected");
  free(big);
  th_publish(&th_R, "{\"A\":\"after\",\"B\":3}", 3);
  cr_assert(th_recorder_wait_version(&REC, 3, 3000), "the version after an oversized one did not arrive");
  omega_cfg_status st;
  th_status(th_CFG, &st);
  cr_assert_eq(st.state, OMEGA_STATE_READY, "state %d: %s", st.state, st.last_error);
  cr_assert_eq(st.version, 3);
}

static long connections_received(void) {
  char out[8192];
  cr_assert_eq(th_cli(&th_R, out, sizeof out, "INFO", "stats", NULL), 0);
  const char* at = strstr(out, "total_connections_received:");
  cr_assert(at != NULL, "INFO stats: %s", out);
  return strtol(at + strlen("total_connections_received:"), NULL, 10);
}

/* Refused once, remembered: while the oversized snapshot stays in Redis, the backstop poll
 * (every 200 ms here) sees the same fingerprint and neither fetches nor reconnects again. */
Test(faults, oversized_is_not_fetched_again_by_the_poll) {
  char* big = sized_json(200000);
  th_publish(&th_R, big, 2);
  free(big);
  cr_assert(th_wait_state(th_CFG, OMEGA_STATE_ERROR, 3000), "oversized snapshot not rejected");
  usleep(300 * 1000); /* the reconnect after the abandoned fetch has happened */
  long before = connections_received();
  usleep(1500 * 1000); /* seven polls */
  long after = connections_received();
  cr_assert_leq(after - before, 1, "%ld connections in 1.5 s: the poll keeps refetching", after - before);
}

Test(faults, sha256_mismatch) {
  static const char* const h[] = {"sha", "digest", "hash", "checksum", NULL};
  char wrong[65];
  th_sha256_hex("something else", 14, wrong);
  th_pub p = {0};
  p.json = "{\"A\":\"tampered\",\"B\":3}";
  p.version = 2;
  p.with_meta = 1;
  p.epoch = "E1";
  p.sha256_hex = wrong;
  expect_rejected(&p, h);
}

Test(faults, sha256_match_is_accepted) {
  th_publish_meta(&th_R, "{\"A\":\"signed\",\"B\":3}", 2, "E1");
  cr_assert(th_recorder_wait_version(&REC, 2, 3000));
  omega_cfg_status st;
  th_status(th_CFG, &st);
  cr_assert_str_eq(st.epoch, "E1");
  cr_assert_eq(st.state, OMEGA_STATE_READY);
}

Test(faults, version_not_a_number) {
  th_pub p = {0};
  p.json = "{\"A\":\"badver\",\"B\":3}";
  p.version = 2;
  p.version_text = "two";
  th_publish_ex(&th_R, &p);
  th_sleep_ms(800);
  omega_cfg_status st;
  th_status(th_CFG, &st);
  cr_assert_eq(st.version, 1);
  cr_assert_str_eq(th_get(th_CFG, "A"), "good");
  cr_assert_eq(th_recorder_count(&REC), 0);
}

/* ---- missed messages -------------------------------------------------------- */

Test(faults, write_without_publish_converges_by_poll) {
  th_pub p = {0};
  p.json = "{\"A\":\"silent\",\"B\":2}";
  p.version = 2;
  p.no_publish = 1;
  th_publish_ex(&th_R, &p);
  cr_assert(th_recorder_wait_version(&REC, 2, 3000), "backstop poll (200 ms) did not converge");
  th_event e = th_recorder_event(&REC, 0);
  cr_assert_str_eq(e.changed, "A");
}

Test(faults, pubsub_killed_then_missed_write_converges) {
  char out[64];
  th_cli(&th_R, out, sizeof out, "CLIENT", "KILL", "TYPE", "pubsub", NULL);
  cr_assert_neq(atoi(out), 0, "no pubsub client was killed (%s): is the reader subscribed?", out);
  th_pub p = {0};
  p.json = "{\"A\":\"after-kill\",\"B\":2}";
  p.version = 2;
  p.no_publish = 1;
  th_publish_ex(&th_R, &p);
  cr_assert(th_recorder_wait_version(&REC, 2, 4000), "did not converge after CLIENT KILL");
  cr_assert_str_eq(th_get(th_CFG, "A"), "after-kill");
  /* it resubscribed: the next PUBLISH arrives even with a long poll */
  cr_assert(th_wait_subscribed(&th_R, "config_channel", out, sizeof out, 3000),
            "not resubscribed: PUBSUB NUMSUB says %s", out);
}

Test(faults, message_before_data_converges_by_poll) {
  /* the hint arrives first, the data later without a second message */
  th_pub m = {0};
  m.version = 2;
  m.publish_only = 1;
  th_publish_ex(&th_R, &m);
  th_sleep_ms(50);
  th_pub p = {0};
  p.json = "{\"A\":\"late-data\",\"B\":2}";
  p.version = 2;
  p.no_publish = 1;
  th_publish_ex(&th_R, &p);
  cr_assert(th_wait_version(th_CFG, 2, 3000));
  cr_assert_str_eq(th_get(th_CFG, "A"), "late-data");
}

Test(faults, all_clients_killed_converges) {
  char out[64];
  th_cli(&th_R, out, sizeof out, "CLIENT", "KILL", "TYPE", "normal", NULL);
  th_cli(&th_R, out, sizeof out, "CLIENT", "KILL", "TYPE", "pubsub", NULL);
  th_writer_reset(&th_R);
  th_publish(&th_R, "{\"A\":\"after-kill-all\",\"B\":2}", 2);
  cr_assert(th_wait_version(th_CFG, 2, 4000));
  cr_assert_str_eq(th_get(th_CFG, "A"), "after-kill-all");
}

/* ---- Redis restarts, hangs and partitions ---------------------------------- */

Test(faults, restart_with_data_kept) {
  char out[32];
  th_cli(&th_R, out, sizeof out, "SAVE", NULL);
  cr_assert_str_eq(out, "OK");
  th_redis_kill(&th_R);
  cr_assert(th_wait_state(th_CFG, OMEGA_STATE_STALE, 3000), "Redis down but not STALE");
  cr_assert_str_eq(th_get(th_CFG, "A"), "good", "serves the last good snapshot while down");
  omega_cfg_status st;
  th_status(th_CFG, &st);
  cr_assert_eq(st.version, 1);
  th_redis_start_again(&th_R);
  cr_assert(th_wait_state(th_CFG, OMEGA_STATE_READY, 5000), "not READY after Redis came back");
  th_status(th_CFG, &st);
  cr_assert_eq(st.version, 1);
  cr_assert_eq(th_recorder_count(&REC), 0, "same data after restart fired a callback");
  th_publish(&th_R, "{\"A\":\"after-restart\",\"B\":2}", 2);
  cr_assert(th_recorder_wait_version(&REC, 2, 3000), "no reload after reconnect");
}

Test(faults, restart_with_data_lost_reseeded_with_new_epoch) {
  th_publish_meta(&th_R, "{\"A\":\"good\",\"B\":7}", 7, "E1");
  cr_assert(th_recorder_wait_version(&REC, 7, 3000));
  th_redis_restart(&th_R, 0);
  /* Redis is back, empty: the last good snapshot is still served */
  th_sleep_ms(500);
  cr_assert_str_eq(th_get(th_CFG, "B"), "7");
  /* the writer re-seeds under a new epoch, at a lower version */
  th_publish_meta(&th_R, "{\"A\":\"reseeded\",\"B\":7}", 1, "E2");
  cr_assert(th_wait_version(th_CFG, 1, 5000), "did not converge on the re-seeded snapshot");
  th_recorder_wait_count(&REC, 2, 2000);
  cr_assert_eq(th_recorder_count(&REC), 2);
  th_event e = th_recorder_event(&REC, 1);
  cr_assert_eq(e.version, 1);
  cr_assert_str_eq(e.changed, "A");
  omega_cfg_status st;
  th_status(th_CFG, &st);
  cr_assert_eq(st.version, 1);
  cr_assert_str_eq(st.epoch, "E2");
  cr_assert_eq(st.state, OMEGA_STATE_READY);
  cr_assert_str_eq(th_get(th_CFG, "A"), "reseeded");
}

Test(faults, restart_with_data_lost_plain_writer_reseeds_higher) {
  th_redis_restart(&th_R, 0);
  th_sleep_ms(300);
  cr_assert_str_eq(th_get(th_CFG, "A"), "good");
  th_publish(&th_R, "{\"A\":\"reseeded\",\"B\":2}", 2);
  cr_assert(th_recorder_wait_version(&REC, 2, 5000), "did not converge after data loss");
  cr_assert_str_eq(th_get(th_CFG, "A"), "reseeded");
}

Test(faults, silent_partition_is_noticed_and_heals) {
  th_redis_pause(&th_R);
  int64_t t0 = th_now_ms();
  cr_assert(th_wait_state(th_CFG, OMEGA_STATE_STALE, 4000), "Redis hung (SIGSTOP) but the handle never went STALE");
  cr_log_info("hung Redis noticed after %lld ms", (long long)(th_now_ms() - t0));
  cr_assert_str_eq(th_get(th_CFG, "A"), "good");
  /* the age of the last sync keeps growing while it is STALE */
  omega_cfg_status s1, s2;
  th_status(th_CFG, &s1);
  th_sleep_ms(300);
  th_status(th_CFG, &s2);
  cr_assert_eq(s2.state, OMEGA_STATE_STALE);
  cr_assert_geq(s1.ms_since_sync, 0);
  cr_assert_geq(s2.ms_since_sync, s1.ms_since_sync + 250, "ms_since_sync %lld -> %lld", (long long)s1.ms_since_sync,
                (long long)s2.ms_since_sync);
  cr_assert_eq(s2.version, 1);
  th_redis_resume(&th_R);
  cr_assert(th_wait_state(th_CFG, OMEGA_STATE_READY, 5000), "not READY after SIGCONT");
  th_publish(&th_R, "{\"A\":\"healed\",\"B\":2}", 2);
  cr_assert(th_recorder_wait_version(&REC, 2, 3000));
}

Test(faults, close_while_redis_is_stopped_returns_promptly) {
  omega_cfg_options o = th_fast_opts(&th_R);
  /* defaults for timeouts: close must not wait for them */
  o.connect_timeout_ms = 0;
  o.command_timeout_ms = 0;
  o.heartbeat_ms = 0;
  o.poll_interval_ms = 100;
  int threads_before = th_thread_count();
  omega_cfg* c = th_open(&th_R, &o);
  cr_assert_gt(th_thread_count(), threads_before, "no watcher thread?");
  th_redis_pause(&th_R);
  th_sleep_ms(300); /* let the watcher block on the hung server */
  int64_t t0 = th_now_ms();
  omega_cfg_close(c);
  int64_t dt = th_now_ms() - t0;
  cr_log_info("close while Redis is SIGSTOPped: %lld ms", (long long)dt);
  cr_assert_lt(dt, 3000, "close took %lld ms while Redis was hung", (long long)dt);
  cr_assert_eq(th_thread_count(), threads_before, "close left %d thread(s) behind", th_thread_count() - threads_before);
  th_redis_resume(&th_R);
}

Test(faults, open_while_redis_is_stopped_is_unavailable) {
  th_redis_pause(&th_R);
  omega_cfg_options o = th_fast_opts(&th_R);
  omega_cfg* c = (omega_cfg*)0x1;
  int64_t t0 = th_now_ms();
  int rc = omega_cfg_open(&o, &c);
  int64_t dt = th_now_ms() - t0;
  th_redis_resume(&th_R);
  cr_assert_eq(rc, OMEGA_E_UNAVAILABLE, "got %d %s", rc, omega_last_error());
  cr_assert_null(c);
  cr_assert_lt(dt, 4000, "open against a hung Redis took %lld ms", (long long)dt);
}
