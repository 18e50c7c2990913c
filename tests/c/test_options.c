/* test_options.c — initialising the versioned structs: OMEGA_CFG_OPTIONS_INIT
 * and OMEGA_CFG_STATUS_INIT (this file builds with -Wextra -Werror and no
 * -Wno-missing-field-initializers, so a warning from either macro fails the
 * build), and omega_cfg_options_init, which writes exactly the struct of the
 * version it is given. */
#include <string.h>
#include "th_test.h"

#include "harness.h"

TestSuite(options, .timeout = 20);

/* A struct full of a byte no field holds after an init. */
#define GARBAGE 0xA5

static int all_bytes(const void* p, size_t n, unsigned char b) {
  const unsigned char* c = (const unsigned char*)p;
  for (size_t i = 0; i < n; i++)
    if (c[i] != b) return 0;
  return 1;
}

/* Every field of a default omega_cfg_options: version set, the rest zero. */
static void assert_defaults(const omega_cfg_options* o, unsigned version) {
  cr_assert_eq(o->struct_version, version);
  cr_assert_null(o->redis_url);
  cr_assert_null(o->namespace_prefix);
  cr_assert_null(o->config_key);
  cr_assert_null(o->version_key);
  cr_assert_null(o->meta_key);
  cr_assert_null(o->channel);
  cr_assert_eq(o->connect_timeout_ms, 0);
  cr_assert_eq(o->command_timeout_ms, 0);
  cr_assert_eq(o->poll_interval_ms, 0);
  cr_assert_eq(o->heartbeat_ms, 0);
  cr_assert_eq(o->reconnect_max_ms, 0);
  cr_assert_null(o->last_known_good_path);
  cr_assert_eq(o->max_snapshot_bytes, 0);
  if (version < 2) return;
  cr_assert_null(o->tls_ca_file);
  cr_assert_null(o->tls_ca_dir);
  cr_assert_null(o->tls_cert_file);
  cr_assert_null(o->tls_key_file);
  cr_assert_null(o->tls_server_name);
  cr_assert_eq(o->tls_skip_verify, 0);
  cr_assert_null(o->seal_key_path);
  cr_assert_null(o->service_name);
}

Test(options, init_macro_sets_the_version_and_zeroes_every_field) {
  omega_cfg_options o = OMEGA_CFG_OPTIONS_INIT;
  assert_defaults(&o, OMEGA_CFG_OPTIONS_VERSION);
  /* also as a static initializer */
  static const omega_cfg_options s = OMEGA_CFG_OPTIONS_INIT;
  assert_defaults(&s, OMEGA_CFG_OPTIONS_VERSION);
}

Test(options, status_macro_sets_the_version_and_zeroes_every_field) {
  omega_cfg_status st = OMEGA_CFG_STATUS_INIT;
  cr_assert_eq(st.struct_version, OMEGA_CFG_STATUS_VERSION);
  cr_assert_eq(st.state, 0);
  cr_assert_eq(st.version, 0);
  cr_assert_str_eq(st.epoch, "");
  cr_assert(all_bytes(st.epoch, sizeof st.epoch, 0));
  cr_assert_eq(st.ms_since_sync, 0);
  cr_assert_eq(st.reloads, 0);
  cr_assert_eq(st.rejected, 0);
  cr_assert_eq(st.last_error_code, 0);
  cr_assert(all_bytes(st.last_error, sizeof st.last_error, 0));
}

Test(options, init_function_overwrites_every_field) {
  omega_cfg_options o;
  memset(&o, GARBAGE, sizeof o);
  cr_assert_eq(omega_cfg_options_init(&o, OMEGA_CFG_OPTIONS_VERSION), OMEGA_OK, "%s", omega_last_error());
  assert_defaults(&o, OMEGA_CFG_OPTIONS_VERSION);
}

Test(options, init_function_for_version_1_writes_only_version_1_fields) {
  /* What a program built against a version-1 header hands a newer library:
   * its struct ends where the TLS fields begin. Nothing after may change. */
  omega_cfg_options o;
  memset(&o, GARBAGE, sizeof o);
  cr_assert_eq(omega_cfg_options_init(&o, 1), OMEGA_OK, "%s", omega_last_error());
  assert_defaults(&o, 1);
  const size_t v1_end = offsetof(omega_cfg_options, tls_ca_file);
  cr_assert(all_bytes((const char*)&o + v1_end, sizeof o - v1_end, GARBAGE),
            "omega_cfg_options_init(&o, 1) wrote past the version-1 struct");
}

Test(options, init_function_refuses_what_it_cannot_do) {
  omega_cfg_options o;
  memset(&o, GARBAGE, sizeof o);
  cr_assert_eq(omega_cfg_options_init(NULL, OMEGA_CFG_OPTIONS_VERSION), OMEGA_E_INVALID_ARG);
  cr_assert(strstr(omega_last_error(), "opts is NULL"), "%s", omega_last_error());

  cr_assert_eq(omega_cfg_options_init(&o, 0), OMEGA_E_INVALID_ARG);
  cr_assert(strstr(omega_last_error(), "OMEGA_CFG_OPTIONS_VERSION"), "%s", omega_last_error());
  cr_assert(all_bytes(&o, sizeof o, GARBAGE), "a refused init changed the struct");

  cr_assert_eq(omega_cfg_options_init(&o, OMEGA_CFG_OPTIONS_VERSION + 1), OMEGA_E_INVALID_ARG);
  cr_assert(strstr(omega_last_error(), "newer than this library"), "%s", omega_last_error());
  cr_assert(all_bytes(&o, sizeof o, GARBAGE), "a refused init changed the struct");
}

Test(options, initialised_options_open_a_handle, .init = th_suite_redis_up, .fini = th_suite_redis_down) {
  th_publish(&th_R, "{\"GREETING\":\"hello\"}", 1);
  omega_cfg_options o;
  memset(&o, GARBAGE, sizeof o);
  cr_assert_eq(omega_cfg_options_init(&o, OMEGA_CFG_OPTIONS_VERSION), OMEGA_OK);
  o.redis_url = th_R.url;
  cr_assert_eq(omega_cfg_open(&o, &th_CFG), OMEGA_OK, "%s", omega_last_error());
  cr_assert_str_eq(th_get(th_CFG, "GREETING"), "hello");

  /* a version-1 struct (the rest garbage) opens too: the library reads no further */
  omega_cfg* v1 = NULL;
  memset(&o, GARBAGE, sizeof o);
  cr_assert_eq(omega_cfg_options_init(&o, 1), OMEGA_OK);
  o.redis_url = th_R.url;
  cr_assert_eq(omega_cfg_open(&o, &v1), OMEGA_OK, "%s", omega_last_error());
  cr_assert_str_eq(th_get(v1, "GREETING"), "hello");
  omega_cfg_close(v1);
}
