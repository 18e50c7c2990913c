/* seal.c — sealed secrets written from the format docs/wire.md states, with
 * libsodium directly: a second implementation, so the suites check the core
 * against the documented bytes rather than against its own sealing code.
 * See harness.h. */
#define _GNU_SOURCE
#include "harness.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "th_test.h"

#define TH_SEAL_PREFIX "omega:sealed:v1:"

th_seal_key th_seal_key_make(const char* id, unsigned char fill) {
  th_seal_key k;
  snprintf(k.id, sizeof k.id, "%s", id);
  memset(k.bytes, fill, sizeof k.bytes);
  return k;
}

char* th_seal(const th_seal_key* key, const char* setting, const char* value_json) {
  if (sodium_init() < 0) abort();
  /* associated data: "omega:sealed:v1" NUL key-id NUL setting */
  char ad[512];
  int ad_len = snprintf(ad, sizeof ad, "omega:sealed:v1%c%s%c%s", 0, key->id, 0, setting);
  cr_assert(ad_len > 0 && (size_t)ad_len < sizeof ad);
  size_t plain_len = strlen(value_json);
  size_t box_len = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plain_len + crypto_aead_xchacha20poly1305_ietf_ABYTES;
  unsigned char* box = malloc(box_len);
  cr_assert_not_null(box);
  randombytes_buf(box, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long cipher_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(box + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &cipher_len,
                                             (const unsigned char*)value_json, plain_len, (const unsigned char*)ad,
                                             (unsigned long long)ad_len, NULL, box, key->bytes);
  size_t b64_len = sodium_base64_ENCODED_LEN(box_len, sodium_base64_VARIANT_ORIGINAL);
  char* out = malloc(strlen(TH_SEAL_PREFIX) + b64_len);
  cr_assert_not_null(out);
  strcpy(out, TH_SEAL_PREFIX);
  sodium_bin2base64(out + strlen(TH_SEAL_PREFIX), b64_len, box, box_len, sodium_base64_VARIANT_ORIGINAL);
  free(box);
  return out;
}

void th_write_key_file(const char* path, unsigned mode, const th_seal_key* keys, size_t n) {
  if (sodium_init() < 0) abort();
  unlink(path);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  cr_assert_geq(fd, 0, "cannot create %s", path);
  dprintf(fd, "# test seal keys: the first seals\n");
  for (size_t i = 0; i < n; i++) {
    char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, keys[i].bytes, sizeof keys[i].bytes, sodium_base64_VARIANT_ORIGINAL);
    dprintf(fd, "%s:%s\n", keys[i].id, b64);
  }
  close(fd);
  cr_assert_eq(chmod(path, mode), 0);
}
