#include "digest.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <stdexcept>

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

// OpenSSL's SHA-256 uses the CPU's SHA extensions where there are some (4-5x libsodium's
// portable code on this kind of machine): every reader hashes every snapshot it fetches. The
// algorithm is fetched once; an implicit fetch per call costs a lookup under a lock.
std::string sha256_hex(std::string_view data) {
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[32];
  unsigned int len = 0;
  if (sha256 == nullptr || EVP_Digest(data.data(), data.size(), digest, &len, sha256, nullptr) != 1 || len != 32)
    throw std::runtime_error("OpenSSL cannot compute SHA-256");
  return to_hex(digest, sizeof digest);
}

std::string random_hex(size_t n) {
  std::string raw(n, '\0');
  randombytes_buf(raw.data(), n);
  return to_hex(reinterpret_cast<const unsigned char*>(raw.data()), n);
}

}  // namespace omega
