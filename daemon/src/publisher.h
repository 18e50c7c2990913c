// Atomic publication of the snapshot to Redis: WATCH omega:config:version, then one
// MULTI/EXEC holding SET snapshot, SET version, SET meta and PUBLISH. No Lua, so the writer's
// Redis user does not need @scripting.
//
// A publication has two halves so the writer can check Redis before it touches the disk:
// begin(prev) WATCHes the version and refuses when Redis holds one above `prev`, the version
// this writer last held (another writer published since); commit() runs the transaction and
// fails if the watched key moved meanwhile.
// Not thread-safe: the writer calls it under its lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "redis_link.h"

namespace omega::settingsd {

struct KeyNames {
  std::string config = "omega:config";
  std::string version = "omega:config:version";
  std::string meta = "omega:config:meta";
  std::string channel = "config_channel";
  static KeyNames with_prefix(const std::string &prefix);  // "" -> the defaults
};

// What Redis holds now (one MGET, as readers do).
// Largest version: 2^53-1, exact in a JSON number; a Redis value above it (or longer than
// 16 digits) is malformed.
constexpr uint64_t kMaxVersion = 9007199254740991ULL;

struct RedisState {
  std::optional<std::string> snapshot;
  std::optional<uint64_t> version;  // absent or malformed -> nullopt
  bool version_malformed = false;   // present but not a version <= kMaxVersion
  std::string epoch;                // from meta, "" when absent
  std::string sha256;               // from meta, "" when absent
};

enum class PublishStatus { ok, unreachable, conflict };

struct Publication {
  std::string snapshot;  // exact bytes for omega:config
  uint64_t version = 0;
  uint64_t prev_version = 0;
  std::string epoch;
  std::string event;  // updated | reload | boot | rollback
  std::vector<std::string> changed;
};

class Publisher {
 public:
  Publisher(RedisAddress addr, KeyNames keys);

  // One MGET. unreachable (with the error text) unless Redis answered with the three values.
  PublishStatus read_state(RedisState *out);
  // WATCH + GET version; conflict when Redis holds a version above `prev_version`.
  PublishStatus begin(uint64_t prev_version);
  // MULTI/SET/SET/SET/PUBLISH/EXEC. conflict when the WATCH fired.
  PublishStatus commit(const Publication &p);
  // Releases a WATCH after a refused change (best effort).
  void abort();
  // begin(p.prev_version) + commit.
  PublishStatus publish(const Publication &p);
  bool ping();

  const std::string &last_error() const { return error_; }
  const KeyNames &keys() const { return keys_; }

  // The channel message and meta JSON (public for tests and logs).
  static std::string message_json(const Publication &p);
  static std::string meta_json(const Publication &p, const std::string &written_at);

 private:
  RedisLink link_;
  KeyNames keys_;
  std::string error_;
};

}  // namespace omega::settingsd
