// Atomic publication of the snapshot to Redis: WATCH omega:config:version, then one MULTI/EXEC
// holding SET snapshot, SET version, SET meta and PUBLISH. No Lua, so the writer's Redis user
// does not need @scripting. The documents themselves: common/wire_format.h.
//
// A publication has two halves so the writer can check Redis before it touches the disk:
// begin(prev) WATCHes the version and refuses when Redis holds one above `prev`, the version
// this writer last held (another writer published since); commit() runs the transaction and
// fails if the watched key moved meanwhile.
//
// One connection, opened on demand and dropped on any I/O error (the next call reconnects,
// redoing AUTH and SELECT). Not thread-safe: the writer calls it under its lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node_choice.h"
#include "redis_connection.h"
#include "wire_format.h"

namespace omega::settingsd {

// What Redis holds now (one MGET, as readers do).
struct RedisState {
  std::optional<std::string> snapshot;
  std::optional<uint64_t> version;  // absent or malformed -> nullopt
  bool version_malformed = false;   // present but not a version
  std::string epoch;                // from meta, "" when absent or malformed
  std::string sha256;               // from meta, "" when absent or malformed
  std::string seal_key_id;          // from meta, "" when absent or malformed
};

enum class PublishStatus { kOk, kUnreachable, kConflict };

struct Publication {
  std::string snapshot;  // exact bytes for omega:config (secrets sealed when sealing is on)
  uint64_t version = 0;
  uint64_t prev_version = 0;
  std::string epoch;
  std::string event;  // updated | reload | boot | rollback
  std::vector<std::string> changed;
  std::string seal_key_id;  // the meta's: the key that sealed snapshot's secrets; "" = not sealed
};

class Publisher {
 public:
  Publisher(redis::Endpoint endpoint, wire::Names names, std::chrono::milliseconds timeout);
  ~Publisher();

  // One MGET. kUnreachable (with the error text) unless Redis answered with the three values.
  PublishStatus read_state(RedisState* out);
  // WATCH + GET version; kConflict when Redis holds a version above prev_version.
  PublishStatus begin(uint64_t prev_version);
  // MULTI/SET/SET/SET/PUBLISH/EXEC. kConflict when the WATCH fired. *subscribers (optional):
  // how many subscribers the primary delivered the message to (PUBLISH's reply in EXEC).
  PublishStatus commit(const Publication& p, int64_t* subscribers = nullptr);
  // Releases a WATCH after a refused change (best effort).
  void abort();
  // After a commit: WAIT until `replicas` replicas hold it, at most `timeout`. How many did.
  int wait_for_replicas(int replicas, std::chrono::milliseconds timeout);

  const std::string& last_error() const { return error_; }
  const wire::Names& names() const { return names_; }

 private:
  // The replies of cmds on a live connection, or nullopt (error_ set, connection dropped).
  // follow: after a MOVED/ASK, send cmds again to the node it names (not for a transaction
  // whose WATCH was set on this connection).
  std::optional<std::vector<redis::Reply>> run(const std::vector<redis::Command>& cmds, bool follow = true);

  redis::Endpoint endpoint_;
  wire::Names names_;
  std::chrono::milliseconds timeout_;
  redis::Route route_;  // cluster: the slot's key, and where a MOVED reply pointed
  std::unique_ptr<redis::Connection> conn_;
  std::string error_;
};

}  // namespace omega::settingsd
