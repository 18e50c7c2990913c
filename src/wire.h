// The wire contract, reader side: one MGET of snapshot, version and meta,
// and the checks that need nothing but those bytes (size cap, version syntax,
// meta consistency, sha256). The epoch rule and `require`d keys are applied
// by the reader, which knows what it has installed.
#pragma once
#include <cstdint>
#include <string>

#include "redis_conn.h"

namespace omega {

struct WireNames {
  std::string config_key = "omega:config";
  std::string version_key = "omega:config:version";
  std::string meta_key = "omega:config:meta";
  std::string channel = "config_channel";
};

struct Published {
  std::string fingerprint;  // raw version + meta: changes whenever the writer publishes
  bool empty = false;       // Redis holds no snapshot at all
  int64_t version = 0;
  std::string epoch;        // "" when the writer published no meta
  std::string raw;          // the omega:config bytes
  std::string error;        // non-empty: the content is unusable, and why
};

// The cheap backstop probe: version and meta only.
std::string fetch_fingerprint(RedisConn& conn, const WireNames& names, Clock::time_point deadline);

// The whole snapshot, checked. Never fetches a value whose STRLEN is over max_bytes.
Published fetch_published(RedisConn& conn, const WireNames& names, size_t max_bytes, Clock::time_point deadline);

// Checks raw against an optional meta document; fills version/epoch or error.
void check_published(Published* p, const std::string& version_text, const std::string* meta, size_t max_bytes);

std::string sha256_hex(const std::string& bytes);

}  // namespace omega
