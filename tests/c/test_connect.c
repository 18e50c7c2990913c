/* test_connect.c — Redis URL forms (password, user:password with a reader-only
 * ACL user, db number, unix socket, IPv6), namespace prefix and explicit key
 * and channel names. */
#include <string.h>
#include "th_test.h"

#include "harness.h"

TestSuite(connect, .timeout = 30);

static omega_cfg* open_url(const char* url) {
  omega_cfg_options o = th_fast_opts(NULL);
  o.redis_url = url;
  omega_cfg* c = NULL;
  int rc = omega_cfg_open(&o, &c);
  cr_assert_eq(rc, OMEGA_OK, "open(%s): %d %s", url, rc, omega_last_error());
  return c;
}

Test(connect, password_in_url) {
  th_redis r;
  th_redis_opts ro = {0};
  ro.requirepass = "s3cret-pw";
  th_redis_start(&r, &ro);
  th_publish(&r, "{\"A\":\"authed\"}", 1);
  char url[256];

  snprintf(url, sizeof url, "redis://:s3cret-pw@127.0.0.1:%d/0", r.port);
  omega_cfg* c = open_url(url);
  cr_assert_str_eq(th_get(c, "A"), "authed");
  /* reloads arrive on the authenticated subscriber too */
  th_publish(&r, "{\"A\":\"authed2\"}", 2);
  cr_assert(th_wait_version(c, 2, 3000));
  omega_cfg_close(c);

  /* the default user, named */
  snprintf(url, sizeof url, "redis://default:s3cret-pw@127.0.0.1:%d", r.port);
  c = open_url(url);
  cr_assert_str_eq(th_get(c, "A"), "authed2");
  omega_cfg_close(c);

  /* wrong or missing password: unavailable */
  const char* bad[] = {"redis://:wrong@127.0.0.1:%d/0", "redis://127.0.0.1:%d/0"};
  for (int i = 0; i < 2; i++) {
    snprintf(url, sizeof url, bad[i], r.port);
    omega_cfg_options o = th_fast_opts(NULL);
    o.redis_url = url;
    omega_cfg* x = (omega_cfg*)0x1;
    int rc = omega_cfg_open(&o, &x);
    cr_assert_eq(rc, OMEGA_E_UNAVAILABLE, "%s: got %d %s", url, rc, omega_last_error());
    cr_assert_null(x);
    cr_assert_null(strstr(omega_last_error(), "s3cret-pw"), "password leaked in a message");
  }
  th_redis_stop(&r);
}

Test(connect, reader_only_acl_user) {
  th_redis r;
  th_redis_start(&r, NULL);
  th_publish(&r, "{\"A\":\"acl\"}", 1);
  char out[256];
  /* the DESIGN's reader user: GET/MGET/SUBSCRIBE/PING on omega:* and the channel */
  int rc = th_cli(&r, out, sizeof out, "ACL", "SETUSER", "reader", "on", ">readerpw", "resetkeys", "~omega:*",
                  "resetchannels", "&config_channel", "-@all", "+get", "+mget", "+subscribe", "+ping", "+select", NULL);
  cr_assert_eq(rc, 0);
  cr_assert_str_eq(out, "OK");
  char url[256];
  snprintf(url, sizeof url, "redis://reader:readerpw@127.0.0.1:%d/0", r.port);
  omega_cfg* c = open_url(url);
  cr_assert_str_eq(th_get(c, "A"), "acl");
  th_publish(&r, "{\"A\":\"acl2\"}", 2);
  cr_assert(th_wait_version(c, 2, 3000), "a reader-only user did not get the reload");
  /* the backstop poll works with those rights too */
  th_pub p = {0};
  p.json = "{\"A\":\"acl3\"}";
  p.version = 3;
  p.no_publish = 1;
  th_publish_ex(&r, &p);
  cr_assert(th_wait_version(c, 3, 3000));
  omega_cfg_status st;
  th_status(c, &st);
  cr_assert_eq(st.state, OMEGA_STATE_READY, "state %s: %s", omega_state_name(st.state), st.last_error);
  omega_cfg_close(c);
  th_redis_stop(&r);
}

Test(connect, percent_encoded_password) {
  th_redis r;
  th_redis_opts ro = {0};
  ro.requirepass = "p@ss:w/rd%";
  th_redis_start(&r, &ro);
  th_publish(&r, "{\"A\":\"pct\"}", 1);
  char url[256];
  snprintf(url, sizeof url, "redis://:p%%40ss%%3Aw%%2Frd%%25@127.0.0.1:%d/0", r.port);
  omega_cfg* c = open_url(url);
  cr_assert_str_eq(th_get(c, "A"), "pct");
  omega_cfg_close(c);
  th_redis_stop(&r);
}

Test(connect, db_number) {
  th_redis r;
  th_redis_start(&r, NULL);
  th_publish(&r, "{\"WHERE\":\"db0\"}", 1);
  th_pub p = {0};
  p.json = "{\"WHERE\":\"db3\"}";
  p.version = 5;
  p.db = 3;
  th_publish_ex(&r, &p);
  char url[128];
  snprintf(url, sizeof url, "redis://127.0.0.1:%d/3", r.port);
  omega_cfg* c = open_url(url);
  cr_assert_str_eq(th_get(c, "WHERE"), "db3");
  p.json = "{\"WHERE\":\"db3-v6\"}";
  p.version = 6;
  th_publish_ex(&r, &p);
  cr_assert(th_wait_version(c, 6, 3000));
  cr_assert_str_eq(th_get(c, "WHERE"), "db3-v6");
  omega_cfg_close(c);

  snprintf(url, sizeof url, "redis://127.0.0.1:%d", r.port); /* no db: 0 */
  c = open_url(url);
  cr_assert_str_eq(th_get(c, "WHERE"), "db0");
  omega_cfg_close(c);
  th_redis_stop(&r);
}

Test(connect, unix_socket_url) {
  th_redis r;
  th_redis_opts ro = {0};
  ro.no_tcp = 1;
  ro.requirepass = "sockpw";
  th_redis_start(&r, &ro);
  th_publish(&r, "{\"VIA\":\"unix0\"}", 1);
  th_pub p = {0};
  p.json = "{\"VIA\":\"unix2\"}";
  p.version = 4;
  p.db = 2;
  th_publish_ex(&r, &p);

  char url[512];
  snprintf(url, sizeof url, "unix://%s?password=sockpw", r.sock);
  omega_cfg* c = open_url(url);
  cr_assert_str_eq(th_get(c, "VIA"), "unix0");
  omega_cfg_close(c);

  snprintf(url, sizeof url, "unix://%s?db=2&password=sockpw", r.sock);
  c = open_url(url);
  cr_assert_str_eq(th_get(c, "VIA"), "unix2");
  p.json = "{\"VIA\":\"unix2-v5\"}";
  p.version = 5;
  th_publish_ex(&r, &p);
  cr_assert(th_wait_version(c, 5, 3000));
  omega_cfg_close(c);

  snprintf(url, sizeof url, "unix://%s?password=sockpw&user=default&db=2", r.sock);
  c = open_url(url);
  cr_assert_str_eq(th_get(c, "VIA"), "unix2-v5");
  omega_cfg_close(c);

  /* a socket path that does not exist */
  snprintf(url, sizeof url, "unix://%s.missing", r.sock);
  omega_cfg_options o = th_fast_opts(NULL);
  o.redis_url = url;
  omega_cfg* x = (omega_cfg*)0x1;
  cr_assert_eq(omega_cfg_open(&o, &x), OMEGA_E_UNAVAILABLE);
  cr_assert_null(x);
  th_redis_stop(&r);
}

Test(connect, ipv6_loopback_url) {
  th_redis r;
  th_redis_opts ro = {0};
  ro.ipv6 = 1;
  th_redis_start(&r, &ro);
  char port[16], out[64];
  snprintf(port, sizeof port, "%d", r.port);
  /* only if this machine has ::1 */
  th_cli(&r, out, sizeof out, "-h", "::1", "-p", port, "PING", NULL);
  if (strcmp(out, "PONG") != 0) {
    th_redis_stop(&r);
    cr_skip_test("no IPv6 loopback here");
  }
  th_publish(&r, "{\"V6\":\"yes\"}", 1);
  char url[128];
  snprintf(url, sizeof url, "redis://[::1]:%d/0", r.port);
  omega_cfg* c = open_url(url);
  cr_assert_str_eq(th_get(c, "V6"), "yes");
  omega_cfg_close(c);
  th_redis_stop(&r);
}

Test(connect, namespace_prefix) {
  th_redis r;
  th_redis_start(&r, NULL);
  th_publish(&r, "{\"ENV\":\"default\"}", 1);
  th_names staging = {"staging:omega:config", "staging:omega:config:version", "staging:omega:config:meta",
                      "staging:config_channel"};
  th_pub p = {0};
  p.json = "{\"ENV\":\"staging\"}";
  p.version = 10;
  p.with_meta = 1;
  p.epoch = "S1";
  p.names = &staging;
  th_publish_ex(&r, &p);

  omega_cfg_options o = th_fast_opts(&r);
  o.namespace_prefix = "staging";
  o.poll_interval_ms = 60000; /* reloads must come through staging:config_channel */
  omega_cfg* c = th_open(&r, &o);
  omega_cfg_status st;
  th_status(c, &st);
  cr_assert_eq(st.version, 10);
  cr_assert_str_eq(st.epoch, "S1", "staging meta not read");
  cr_assert_str_eq(th_get(c, "ENV"), "staging");

  th_recorder rec;
  th_recorder_init(&rec, c, "ENV");
  th_recorder_register(&rec, c);
  /* the default namespace moving on does not touch this handle */
  th_publish(&r, "{\"ENV\":\"default2\"}", 11);
  p.json = "{\"ENV\":\"staging11\"}";
  p.version = 11;
  th_publish_ex(&r, &p);
  cr_assert(th_recorder_wait_version(&rec, 11, 3000), "no reload via staging:config_channel");
  cr_assert_eq(th_recorder_count(&rec), 1);
  cr_assert_str_eq(th_recorder_event(&rec, 0).probe, "staging11");
  omega_cfg_close(c);
  th_recorder_free(&rec);
  th_redis_stop(&r);
}

Test(connect, explicit_names_override_the_prefix) {
  th_redis r;
  th_redis_start(&r, NULL);
  /* config and channel explicit, version and meta from the prefix */
  th_names n = {"app:settings", "pfx:omega:config:version", "pfx:omega:config:meta", "app:bus"};
  th_pub p = {0};
  p.json = "{\"WHO\":\"explicit\"}";
  p.version = 3;
  p.with_meta = 1;
  p.epoch = "X";
  p.names = &n;
  th_publish_ex(&r, &p);

  omega_cfg_options o = th_fast_opts(&r);
  o.namespace_prefix = "pfx";
  o.config_key = "app:settings";
  o.channel = "app:bus";
  o.poll_interval_ms = 60000;
  omega_cfg* c = th_open(&r, &o);
  cr_assert_str_eq(th_get(c, "WHO"), "explicit");
  omega_cfg_status st;
  th_status(c, &st);
  cr_assert_eq(st.version, 3);
  cr_assert_str_eq(st.epoch, "X");
  p.json = "{\"WHO\":\"explicit4\"}";
  p.version = 4;
  th_publish_ex(&r, &p);
  cr_assert(th_wait_version(c, 4, 3000), "no reload via app:bus");
  omega_cfg_close(c);

  /* every name explicit, no prefix */
  th_names all = {"k:c", "k:v", "k:m", "k:ch"};
  p.names = &all;
  p.json = "{\"WHO\":\"all-explicit\"}";
  p.version = 1;
  p.epoch = "Y";
  th_publish_ex(&r, &p);
  omega_cfg_options o2 = th_fast_opts(&r);
  o2.config_key = "k:c";
  o2.version_key = "k:v";
  o2.meta_key = "k:m";
  o2.channel = "k:ch";
  o2.poll_interval_ms = 60000;
  c = th_open(&r, &o2);
  cr_assert_str_eq(th_get(c, "WHO"), "all-explicit");
  th_status(c, &st);
  cr_assert_str_eq(st.epoch, "Y");
  p.json = "{\"WHO\":\"all-explicit2\"}";
  p.version = 2;
  th_publish_ex(&r, &p);
  cr_assert(th_wait_version(c, 2, 3000), "no reload via k:ch");
  omega_cfg_close(c);
  th_redis_stop(&r);
}

/* hiredis 0.14's redisReconnect drops AUTH, SELECT and SUBSCRIBE: a reconnect
 * must re-apply them (DESIGN reader guarantee 3). */
Test(connect, reconnect_reapplies_auth_select_and_subscribe) {
  th_redis r;
  th_redis_opts ro = {0};
  ro.requirepass = "re-auth";
  th_redis_start(&r, &ro);
  th_publish(&r, "{\"WHERE\":\"db0\"}", 1);
  th_pub p = {0};
  p.json = "{\"WHERE\":\"db5\"}";
  p.version = 1;
  p.db = 5;
  th_publish_ex(&r, &p);
  char url[128];
  snprintf(url, sizeof url, "redis://:re-auth@127.0.0.1:%d/5", r.port);
  omega_cfg_options o = th_fast_opts(NULL);
  o.redis_url = url;
  o.poll_interval_ms = 60000; /* only a re-subscribed channel delivers in time */
  omega_cfg* c = NULL;
  cr_assert_eq(omega_cfg_open(&o, &c), OMEGA_OK, "%s", omega_last_error());
  cr_assert_str_eq(th_get(c, "WHERE"), "db5");
  for (int round = 2; round <= 3; round++) {
    char out[64];
    th_cli(&r, out, sizeof out, "CLIENT", "KILL", "TYPE", "pubsub", NULL);
    th_cli(&r, out, sizeof out, "CLIENT", "KILL", "TYPE", "normal", NULL);
    th_writer_reset(&r);
    cr_assert(th_wait_subscribed(&r, "config_channel", out, sizeof out, 5000), "round %d: not resubscribed (%s)", round,
              out);
    char js[64];
    snprintf(js, sizeof js, "{\"WHERE\":\"db5-v%d\"}", round);
    p.json = js;
    p.version = round;
    th_publish_ex(&r, &p);
    cr_assert(th_wait_version(c, round, 3000), "round %d: reload not seen after reconnect", round);
    char want[32];
    snprintf(want, sizeof want, "db5-v%d", round);
    cr_assert_str_eq(th_get(c, "WHERE"), want, "read the wrong db after reconnect?");
    omega_cfg_status st;
    th_status(c, &st);
    cr_assert_eq(st.state, OMEGA_STATE_READY, "round %d: %s (%s)", round, omega_state_name(st.state), st.last_error);
  }
  omega_cfg_close(c);
  th_redis_stop(&r);
}
