// cJSON and encoding helpers shared by the publisher, the audit and the routes.
#include "json_util.h"

#include <cstdlib>
#include <ctime>
#include <sys/time.h>

#include <sodium.h>

namespace omega::settingsd {

std::string json_print(const cJSON *item) {
  char *text = cJSON_PrintUnformatted(item);
  if (!text) return "";
  std::string out(text);
  cJSON_free(text);
  return out;
}

std::string json_quote(const std::string &s) {
  JsonPtr str(cJSON_CreateString(s.c_str()));
  return json_print(str.get());
}

std::string utc_now_rfc3339() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  gmtime_r(&tv.tv_sec, &tm);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, sizeof buf - n, ".%03dZ", int(tv.tv_usec / 1000));
  return buf;
}

std::string to_hex(const unsigned char *bytes, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

std::string sha256_hex(const std::string &data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char *>(data.data()), data.size());
  return to_hex(digest, sizeof digest);
}

std::string random_hex(size_t n) {
  std::string raw(n, '\0');
  randombytes_buf(raw.data(), n);
  return to_hex(reinterpret_cast<const unsigned char *>(raw.data()), n);
}

}  // namespace omega::settingsd
