#define _GNU_SOURCE /* program_invocation_short_name */
/* test_fleet.c — reader guarantee 12: a handle names its connections so the writer can list
 * the fleet with CLIENT LIST: the command connection carries the applied version and state,
 * the subscriber a stable name. Naming is best effort: without client|setname it still reads. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "th_test.h"

#include "harness.h"

static void up(void) {
  th_suite_redis_up();
  th_publish(&th_R, "{\"LOG_LEVEL\":\"INFO\"}", 1);
}

static void down(void) { th_suite_redis_down(); }

TestSuite(fleet, .init = up, .fini = down, .timeout = 30);

/* "omega:<service>:<host>:<pid>:" of this process. */
static void name_prefix(const char* service, char* out, size_t len) {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  snprintf(out, len, "omega:%s:%s:%d:", service, host, (int)getpid());
}

struct listing {
  char needle[512];
};

static int client_list_has(void* arg) {
  struct listing* l = arg;
  char out[65536];
  th_cli(&th_R, out, sizeof out, "CLIENT", "LIST", NULL);
  return strstr(out, l->needle) != NULL;
}

Test(fleet, command_connection_names_version_and_state_subscriber_is_named_too) {
  omega_cfg_options o = th_fast_opts(&th_R);
  o.service_name = "billing api"; /* the space becomes '_' */
  omega_cfg* cfg = th_open(&th_R, &o);
  char prefix[400];
  name_prefix("billing_api", prefix, sizeof prefix);
  struct listing reader, subscriber;
  snprintf(reader.needle, sizeof reader.needle, "name=%sv1:READY ", prefix);
  snprintf(subscriber.needle, sizeof subscriber.needle, "name=%ssub ", prefix);
  cr_assert(th_wait_until(client_list_has, &reader, 3000), "no connection named %s", reader.needle);
  cr_assert(th_wait_until(client_list_has, &subscriber, 3000), "no subscriber named %s", subscriber.needle);
  th_publish(&th_R, "{\"LOG_LEVEL\":\"DEBUG\"}", 2);
  snprintf(reader.needle, sizeof reader.needle, "name=%sv2:READY ", prefix);
  cr_assert(th_wait_until(client_list_has, &reader, 3000), "the name did not follow version 2");
  omega_cfg_close(cfg);
}

Test(fleet, default_service_is_the_program_name) {
  omega_cfg* cfg = th_open(&th_R, NULL);
  char prefix[400];
  name_prefix(program_invocation_short_name, prefix, sizeof prefix); /* argv[0]'s base name */
  struct listing reader;
  snprintf(reader.needle, sizeof reader.needle, "name=%sv1:READY ", prefix);
  cr_assert(th_wait_until(client_list_has, &reader, 3000), "no connection named %s", reader.needle);
  omega_cfg_close(cfg);
}

Test(fleet, a_user_without_client_setname_still_reads) {
  char out[256];
  cr_assert_eq(th_cli(&th_R, out, sizeof out, "ACL", "SETUSER", "plain", "on", ">plain-pw", "~*", "&*", "+@all",
                      "-client", NULL),
               0, "%s", out);
  char url[512];
  snprintf(url, sizeof url, "redis://plain:plain-pw@127.0.0.1:%d/0", th_R.port);
  omega_cfg_options o = th_fast_opts(&th_R);
  o.redis_url = url;
  omega_cfg* cfg = th_open(&th_R, &o);
  cr_assert_str_eq(th_get(cfg, "LOG_LEVEL"), "INFO");
  th_publish(&th_R, "{\"LOG_LEVEL\":\"ERROR\"}", 2);
  cr_assert(th_wait_version(cfg, 2, 3000));
  omega_cfg_status st;
  th_status(cfg, &st);
  cr_assert_eq(st.state, OMEGA_STATE_READY, "%s", st.last_error);
  omega_cfg_close(cfg);
}
