// Hashes (OpenSSL) and random identifiers (libsodium; call sodium_init() first), as lower-case hex.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace omega {

std::string to_hex(const unsigned char* bytes, size_t n);
// SHA-256 of data: what omega:config:meta's "sha256" holds.
std::string sha256_hex(std::string_view data);
// n random bytes (an epoch id, a request id).
std::string random_hex(size_t n);

}  // namespace omega
