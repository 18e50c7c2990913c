#include "digest.h"

#include <sodium.h>

namespace omega {

std::string to_hex(const unsigned char* bytes, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return to_hex(digest, sizeof digest);
}

std::string random_hex(size_t n) {
  std::string raw(n, '\0');
  randombytes_buf(raw.data(), n);
  return to_hex(reinterpret_cast<const unsigned char*>(raw.data()), n);
}

}  // namespace omega
