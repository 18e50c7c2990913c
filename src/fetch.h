// The reader's side of the wire contract (common/wire_format.h): one MGET of snapshot,
// version and meta, and the checks that need nothing but those bytes (size cap, version
// syntax, meta consistency, sha256). The epoch rule and `require`d keys are applied by the
// reader, which knows what it has installed.
#pragma once
#include <cstdint>
#include <string>

#include "redis_connection.h"
#include "wire_format.h"

namespace omega {

using Clock = redis::Clock;

struct Published {
  std::string fingerprint;  // raw version + meta: changes whenever the writer publishes
  bool empty = false;       // Redis holds no snapshot at all
  int64_t version = 0;
  std::string epoch;        // "" when the writer published no meta
  std::string seal_key_id;  // the meta's: the key that sealed the secrets ("" when none)
  std::string raw;          // the omega:config bytes
  std::string error;        // non-empty: the content is unusable, and why
};

// The cheap backstop probe: version and meta only.
std::string fetch_fingerprint(redis::Connection& conn, const wire::Names& names, redis::Clock::time_point deadline);

// The whole snapshot, checked, in one round trip: the reload path. A snapshot whose STRLEN is
// over max_bytes is not read: conn is abandoned instead, with fingerprint empty (the caller
// connects again and asks fetch_published_checked). STRLEN and MGET are pipelined, not atomic:
// a snapshot that grew between them is read, then refused by the same size check.
Published fetch_published(redis::Connection& conn, const wire::Names& names, size_t max_bytes,
                          redis::Clock::time_point deadline);

// The same in two round trips, after an abandoned fetch: fingerprint and size first, the
// snapshot only if it fits. An oversized one is then refused with its fingerprint, so the
// backstop poll does not fetch it again; one that shrank meanwhile is fetched.
Published fetch_published_checked(redis::Connection& conn, const wire::Names& names, size_t max_bytes,
                                  redis::Clock::time_point deadline);

// Checks raw against an optional meta document; fills version/epoch or error.
void check_published(Published* p, const std::string& version_text, const std::string* meta, size_t max_bytes);

}  // namespace omega
