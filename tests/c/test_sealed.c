/* test_sealed.c — sealed secrets (reader guarantee 14). The snapshots are
 * sealed by the harness from the documented format (seal.c), not by the
 * core. With the seal key a handle reads the exact secret; without it every
 * read of a sealed value says OMEGA_E_SEALED and never hands out the
 * ciphertext; a value that does not open rejects the snapshot and keeps the
 * last good one; a bad key file fails the open; the last-known-good file
 * holds the secret sealed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "th_test.h"

#include "harness.h"

/* The secret, with a quote, a backslash and UTF-8: it must come back byte for byte. */
#define SECRET_TEXT "p@ss \"w0rd\" \\ \xc3\xa9"
#define SECRET_JSON "\"p@ss \\\"w0rd\\\" \\\\ \\u00e9\""

static char DIR_[256];
static char KEYS[320]; /* holds K1 only */
static th_seal_key K1, K2;

static void up(void) {
  th_suite_redis_up();
  th_mkdtemp(DIR_, sizeof DIR_);
  K1 = th_seal_key_make("k1", 0x11);
  K2 = th_seal_key_make("k2", 0x22);
  snprintf(KEYS, sizeof KEYS, "%s/seal.keys", DIR_);
  th_write_key_file(KEYS, 0600, &K1, 1);
}

static void down(void) {
  th_suite_redis_down();
  th_rm_rf(DIR_);
}

TestSuite(sealed, .init = up, .fini = down, .timeout = 40);

/* {"DB_PASSWORD":<sealed secret>,"LOG_LEVEL":"<level>","PORT":<sealed 5432>}
 * sealed with key for the settings named; caller frees. */
static char* snapshot(const th_seal_key* key, const char* password_setting, const char* level) {
  char* password = th_seal(key, password_setting, SECRET_JSON);
  char* port = th_seal(key, "PORT", "5432");
  char* out = NULL;
  cr_assert_gt(asprintf(&out, "{\"DB_PASSWORD\":\"%s\",\"LOG_LEVEL\":\"%s\",\"PORT\":\"%s\"}", password, level, port),
               0);
  free(password);
  free(port);
  return out;
}

static void publish_sealed(const char* json, int64_t version, const char* key_id) {
  th_pub p = {0};
  p.json = json;
  p.version = version;
  p.with_meta = 1;
  p.epoch = "E1";
  p.seal_key_id = key_id;
  th_publish_ex(&th_R, &p);
}

static omega_cfg* open_with_keys(const char* key_path, const char* lkg_path) {
  omega_cfg_options o = th_fast_opts(&th_R);
  o.seal_key_path = key_path;
  o.last_known_good_path = lkg_path;
  return th_open(&th_R, &o);
}

static void assert_sealed_error(int rc, const char* what) {
  cr_assert_eq(rc, OMEGA_E_SEALED, "%s: %d %s", what, rc, omega_last_error());
  const char* msg = omega_last_error();
  cr_assert(strstr(msg, "DB_PASSWORD") && strstr(msg, "seal_key_path"), "%s: %s", what, msg);
  cr_assert_null(strstr(msg, "omega:sealed"), "%s: the ciphertext in %s", what, msg);
}

Test(sealed, with_the_key_reads_the_exact_secret_of_every_type) {
  char* json = snapshot(&K1, "DB_PASSWORD", "INFO");
  publish_sealed(json, 1, "k1");
  free(json);
  th_CFG = open_with_keys(KEYS, NULL);
  cr_assert_str_eq(th_get(th_CFG, "DB_PASSWORD"), SECRET_TEXT);
  cr_assert_str_eq(th_get(th_CFG, "db_password"), SECRET_TEXT);
  int64_t port = 0;
  cr_assert_eq(omega_cfg_get_int64(th_CFG, "PORT", &port), OMEGA_OK, "%s", omega_last_error());
  cr_assert_eq(port, 5432, "a sealed integer opens as an integer");
  omega_snapshot* s = NULL;
  cr_assert_eq(omega_cfg_snapshot(th_CFG, &s), OMEGA_OK);
  omega_value_type t;
  cr_assert_eq(omega_snapshot_type(s, "PORT", &t), OMEGA_OK);
  cr_assert_eq(t, OMEGA_TYPE_INT);
  const char *k = NULL, *v = NULL;
  cr_assert_eq(omega_snapshot_entry(s, 0, &k, &v, &t), OMEGA_OK);
  cr_assert_str_eq(k, "DB_PASSWORD");
  cr_assert_str_eq(v, SECRET_TEXT);
  omega_snapshot_release(s);
  omega_cfg_status st;
  th_status(th_CFG, &st);
  cr_assert_eq(st.state, OMEGA_STATE_READY, "%s", st.last_error);
}

Test(sealed, without_the_key_every_read_says_sealed_and_hands_out_nothing) {
  char* json = snapshot(&K1, "DB_PASSWORD", "INFO");
  publish_sealed(json, 1, "k1");
  free(json);
  th_CFG = th_open(&th_R, NULL);
  cr_assert_str_eq(th_get(th_CFG, "LOG_LEVEL"), "INFO", "the rest of the snapshot is installed");

  char buf[512] = "untouched";
  size_t len = 0;
  assert_sealed_error(omega_cfg_get(th_CFG, "DB_PASSWORD", buf, sizeof buf, &len), "omega_cfg_get");
  cr_assert_str_eq(buf, "untouched", "nothing was copied");
  int64_t i;
  double d;
  int b;
  assert_sealed_error(omega_cfg_get_int64(th_CFG, "DB_PASSWORD", &i), "omega_cfg_get_int64");
  assert_sealed_error(omega_cfg_get_double(th_CFG, "DB_PASSWORD", &d), "omega_cfg_get_double");
  assert_sealed_error(omega_cfg_get_bool(th_CFG, "DB_PASSWORD", &b), "omega_cfg_get_bool");

  omega_snapshot* s = NULL;
  cr_assert_eq(omega_cfg_snapshot(th_CFG, &s), OMEGA_OK);
  cr_assert_eq(omega_snapshot_count(s), 3, "a sealed value is listed");
  const char* v = "untouched";
  assert_sealed_error(omega_snapshot_get(s, "DB_PASSWORD", &v, &len), "omega_snapshot_get");
  cr_assert_str_eq(v, "untouched");
  assert_sealed_error(omega_snapshot_get_int64(s, "DB_PASSWORD", &i), "omega_snapshot_get_int64");
  assert_sealed_error(omega_snapshot_get_double(s, "DB_PASSWORD", &d), "omega_snapshot_get_double");
  assert_sealed_error(omega_snapshot_get_bool(s, "DB_PASSWORD", &b), "omega_snapshot_get_bool");
  omega_value_type t;
  assert_sealed_error(omega_snapshot_type(s, "DB_PASSWORD", &t), "omega_snapshot_type");
  const char* k = NULL;
  v = "untouched";
  assert_sealed_error(omega_snapshot_entry(s, 0, &k, &v, &t), "omega_snapshot_entry");
  cr_assert_str_eq(k, "DB_PASSWORD", "iteration names the sealed key");
  cr_assert_null(v, "and hands out no text for it");
  cr_assert_eq(omega_snapshot_entry(s, 1, &k, &v, &t), OMEGA_OK, "iteration goes on");
  cr_assert_str_eq(v, "INFO");
  cr_assert_eq(omega_snapshot_get_int64(s, "PORT", &i), OMEGA_E_SEALED);
  omega_snapshot_release(s);

  const char* keys[] = {"DB_PASSWORD"};
  cr_assert_eq(omega_cfg_require(th_CFG, keys, 1), OMEGA_OK, "a sealed value is present");
  omega_cfg_status st;
  th_status(th_CFG, &st);
  cr_assert_eq(st.state, OMEGA_STATE_READY);
}

Test(sealed, a_plain_writers_value_with_the_reserved_prefix_is_never_handed_out) {
  th_publish(&th_R, "{\"TOKEN\":\"omega:sealed:v9:whatever\",\"A\":\"1\"}", 1);
  th_CFG = th_open(&th_R, NULL);
  char buf[64];
  cr_assert_eq(omega_cfg_get(th_CFG, "TOKEN", buf, sizeof buf, NULL), OMEGA_E_SEALED);
  cr_assert_str_eq(th_get(th_CFG, "A"), "1");
}

/* A bad version 2 over a good version 1: rejected, ERROR, version 1 kept,
 * the message says why and never holds a value. Then a good version heals. */
struct bad_case {
  const char* what;
  const char* json;   /* the snapshot of version 2 */
  const char* key_id; /* its meta's seal_key_id */
  const char* reason; /* in the status message */
};

Test(sealed, a_value_that_does_not_open_rejects_the_snapshot_and_keeps_the_last_good) {
  char* good = snapshot(&K1, "DB_PASSWORD", "INFO");
  publish_sealed(good, 1, "k1");
  th_CFG = open_with_keys(KEYS, NULL);
  cr_assert_str_eq(th_get(th_CFG, "DB_PASSWORD"), SECRET_TEXT);

  char* tampered = snapshot(&K1, "DB_PASSWORD", "DEBUG");
  char* body = strstr(tampered, "omega:sealed:v1:") + 16 + 40; /* inside the ciphertext */
  *body = *body == 'A' ? 'B' : 'A';
  char* moved = snapshot(&K1, "LOG_LEVEL", "DEBUG"); /* DB_PASSWORD holds a value sealed for LOG_LEVEL */
  th_seal_key impostor = th_seal_key_make("k1", 0x33);
  char* other_key = snapshot(&impostor, "DB_PASSWORD", "DEBUG");
  char* unknown_id = snapshot(&K2, "DB_PASSWORD", "DEBUG");
  char* not_json = NULL;
  char* raw = th_seal(&K1, "DB_PASSWORD", SECRET_TEXT); /* sealed without its JSON quotes */
  cr_assert_gt(asprintf(&not_json, "{\"DB_PASSWORD\":\"%s\",\"LOG_LEVEL\":\"DEBUG\"}", raw), 0);
  free(raw);
  struct bad_case cases[] = {
      {"tampered", tampered, "k1", "the sealed value of DB_PASSWORD does not open with key 'k1'"},
      {"moved to another setting", moved, "k1", "the sealed value of DB_PASSWORD does not open"},
      {"another key under the same id", other_key, "k1", "does not open with key 'k1'"},
      {"a key id the file does not list", unknown_id, "k2", "key id 'k2', which seal key file"},
      {"no seal_key_id in the meta", good, NULL, "meta names no seal_key_id"},
      {"opens to something that is not JSON", not_json, "k1", "not one JSON value"},
  };
  int64_t version = 1;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    publish_sealed(cases[i].json, ++version, cases[i].key_id);
    cr_assert(th_wait_state(th_CFG, OMEGA_STATE_ERROR, 3000), "%s: not rejected", cases[i].what);
    omega_cfg_status st;
    th_status(th_CFG, &st);
    cr_assert_eq(st.version, version - 1, "%s: the last good version is kept", cases[i].what);
    cr_assert(strstr(st.last_error, cases[i].reason), "%s: %s", cases[i].what, st.last_error);
    cr_assert_null(strstr(st.last_error, "p@ss"), "%s: the value in %s", cases[i].what, st.last_error);
    cr_assert_null(strstr(st.last_error, "omega:sealed:v1:"), "%s: a sealed value in %s", cases[i].what, st.last_error);
    cr_assert_str_eq(th_get(th_CFG, "DB_PASSWORD"), SECRET_TEXT, "%s", cases[i].what);
    cr_assert_str_eq(th_get(th_CFG, "LOG_LEVEL"), "INFO", "%s", cases[i].what);
    /* a good version heals */
    publish_sealed(good, ++version, "k1");
    cr_assert(th_wait_state(th_CFG, OMEGA_STATE_READY, 3000), "%s: did not heal", cases[i].what);
    cr_assert(th_wait_version(th_CFG, version, 3000));
  }
  omega_cfg_status st;
  th_status(th_CFG, &st);
  cr_assert_eq(st.rejected, sizeof cases / sizeof cases[0]);
  free(good);
  free(tampered);
  free(moved);
  free(other_key);
  free(unknown_id);
  free(not_json);
}

Test(sealed, rotation_a_key_added_to_the_file_is_picked_up_and_old_keys_still_open) {
  char* v1 = snapshot(&K1, "DB_PASSWORD", "INFO");
  publish_sealed(v1, 1, "k1");
  th_CFG = open_with_keys(KEYS, NULL);
  /* The writer moves to k2 before this reader has it: rejected, named. */
  char* v2 = snapshot(&K2, "DB_PASSWORD", "DEBUG");
  publish_sealed(v2, 2, "k2");
  cr_assert(th_wait_state(th_CFG, OMEGA_STATE_ERROR, 3000));
  omega_cfg_status st;
  th_status(th_CFG, &st);
  cr_assert(strstr(st.last_error, "(it lists k1): add the writer's 'k2' line"), "%s", st.last_error);
  /* The operator adds k2 to the reader's file: the next version opens without a restart. */
  th_seal_key both[] = {K2, K1};
  th_write_key_file(KEYS, 0600, both, 2);
  char* v3 = snapshot(&K2, "DB_PASSWORD", "WARNING");
  publish_sealed(v3, 3, "k2");
  cr_assert(th_wait_version(th_CFG, 3, 3000), "the re-read key file did not open version 3");
  cr_assert_str_eq(th_get(th_CFG, "LOG_LEVEL"), "WARNING");
  cr_assert_str_eq(th_get(th_CFG, "DB_PASSWORD"), SECRET_TEXT);
  /* A key listed below the first still opens (a snapshot sealed before the rotation). */
  omega_cfg* fresh = open_with_keys(KEYS, NULL);
  publish_sealed(v1, 4, "k1");
  cr_assert(th_wait_version(fresh, 4, 3000));
  cr_assert_str_eq(th_get(fresh, "DB_PASSWORD"), SECRET_TEXT);
  omega_cfg_close(fresh);
  free(v1);
  free(v2);
  free(v3);
}

Test(sealed, a_secret_resealed_with_a_new_nonce_is_not_a_change) {
  char* v1 = snapshot(&K1, "DB_PASSWORD", "INFO");
  publish_sealed(v1, 1, "k1");
  th_CFG = open_with_keys(KEYS, NULL);
  th_recorder rec;
  th_recorder_init(&rec, th_CFG, NULL);
  th_recorder_register(&rec, th_CFG);
  char* v2 = snapshot(&K1, "DB_PASSWORD", "DEBUG"); /* the same secrets, sealed afresh */
  cr_assert_neq(strcmp(v1, v2), 0);
  publish_sealed(v2, 2, "k1");
  cr_assert(th_recorder_wait_version(&rec, 2, 3000));
  th_event ev = th_recorder_event(&rec, th_recorder_count(&rec) - 1);
  cr_assert_str_eq(ev.changed, "LOG_LEVEL", "compared opened, not sealed: %s", ev.changed);
  omega_cfg_close(th_CFG);
  th_CFG = NULL;
  th_recorder_free(&rec);
  free(v1);
  free(v2);
}

static void assert_open_refused(const char* path, const char* reason) {
  omega_cfg_options o = th_fast_opts(&th_R);
  o.seal_key_path = path;
  omega_cfg* c = (omega_cfg*)0x1;
  int rc = omega_cfg_open(&o, &c);
  cr_assert_eq(rc, OMEGA_E_INVALID_ARG, "%s: %d %s", path, rc, omega_last_error());
  cr_assert_null(c);
  const char* msg = omega_last_error();
  cr_assert(strstr(msg, path), "the file is not named: %s", msg);
  cr_assert(strstr(msg, reason), "%s: no \"%s\" in: %s", path, reason, msg);
}

Test(sealed, a_bad_key_file_fails_the_open_naming_the_file_and_the_fix) {
  char path[400];
  snprintf(path, sizeof path, "%s/absent.keys", DIR_);
  assert_open_refused(path, "cannot be read");
  snprintf(path, sizeof path, "%s/open.keys", DIR_);
  th_write_key_file(path, 0644, &K1, 1);
  assert_open_refused(path, "chmod 600");
  snprintf(path, sizeof path, "%s/short.keys", DIR_);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dprintf(fd, "k1:AAECAwQFBgcICQoLDA0ODw==\n"); /* 16 bytes */
  close(fd);
  assert_open_refused(path, "the key is 16 bytes; a seal key is exactly 32");
  snprintf(path, sizeof path, "%s/empty.keys", DIR_);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  close(fd);
  assert_open_refused(path, "holds no key");
  assert_open_refused(DIR_, "not a regular file");
}

static int file_holds(void* arg) {
  const char* path = arg;
  struct stat sb;
  return stat(path, &sb) == 0 && sb.st_size > 0;
}

static char* slurp(const char* path) {
  FILE* f = fopen(path, "rb");
  cr_assert_not_null(f, "%s", path);
  static char buf[8192];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  return buf;
}

Test(sealed, the_last_known_good_file_holds_the_secret_sealed_and_opens_at_load) {
  char lkg[400];
  snprintf(lkg, sizeof lkg, "%s/lkg.json", DIR_);
  char* json = snapshot(&K1, "DB_PASSWORD", "INFO");
  publish_sealed(json, 1, "k1");
  free(json);
  omega_cfg* writer_of_lkg = open_with_keys(KEYS, lkg);
  cr_assert(th_wait_until(file_holds, lkg, 3000), "no last-known-good file");
  omega_cfg_close(writer_of_lkg);
  const char* text = slurp(lkg);
  cr_assert_null(strstr(text, "p@ss"), "a secret in clear in the last-known-good file");
  cr_assert(strstr(text, "omega:sealed:v1:") && strstr(text, "\"seal_key_id\":\"k1\""), "%s", text);

  th_redis_kill(&th_R); /* start from the file */
  omega_cfg* with_key = open_with_keys(KEYS, lkg);
  omega_cfg_status st;
  th_status(with_key, &st);
  cr_assert_eq(st.state, OMEGA_STATE_STALE);
  cr_assert_str_eq(th_get(with_key, "DB_PASSWORD"), SECRET_TEXT, "opened at load");
  omega_cfg_close(with_key);
  omega_cfg* without_key = open_with_keys(NULL, lkg);
  char buf[64];
  cr_assert_eq(omega_cfg_get(without_key, "DB_PASSWORD", buf, sizeof buf, NULL), OMEGA_E_SEALED);
  cr_assert_str_eq(th_get(without_key, "LOG_LEVEL"), "INFO");
  omega_cfg_close(without_key);
}
