// What the writer is asked and what it answers, in domain terms: typed requests in, typed
// outcomes out. The HTTP layer (http/handlers.cc) parses bodies and headers into these and
// turns outcomes into responses; the writer never sees HTTP.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/json_tree.h"
#include "model/validated_env.h"

namespace omega::settingsd {

// Who asks: recorded in the audit log and the history.
struct Actor {
  std::string name;
  std::string request_id;
  std::string source;
};

// The version a client says it is changing; a stale one refuses the mutation.
struct Preconditions {
  std::optional<uint64_t> if_match;          // If-Match: "N"   -> kStaleIfMatch
  std::optional<uint64_t> expected_version;  // body field      -> kStaleExpected
};

struct PatchRequest {
  // Typed JSON values (JSON null: unset, back to the schema default), borrowed from the
  // request's parsed body for the duration of the call.
  std::vector<std::pair<std::string, const cJSON*>> updates;
  Preconditions pre;
  Actor actor;
};

struct RollbackRequest {
  uint64_t target = 0;
  Preconditions pre;
  Actor actor;
};

struct ReloadRequest {
  Actor actor;
};

// Why a mutation changed nothing.
enum class Refusal {
  kNone,
  kForbidden,         // a key no patch may set (admin credentials, writer options)
  kInvalid,           // problems lists every bad key
  kInvalidEnvFile,    // reload: the .env on disk is invalid (problems)
  kStaleIfMatch,      // If-Match names an old version
  kStaleExpected,     // expected_version names an old version
  kEnvChangedOnDisk,  // hand-edited since loaded: reload first
  kVersionNotFound,   // rollback to a version the history does not hold
  kRedisUnavailable,
  kWriteConflict,  // another writer published
  kAuditUnavailable,
  kStorageError,  // the .env or the version mark could not be written
  kVersionExhausted,
  kInternal,
};

struct MutationOutcome {
  Refusal refusal = Refusal::kNone;
  std::string message;            // why, for a refusal (never a value)
  std::vector<Problem> problems;  // kForbidden, kInvalid, kInvalidEnvFile: every one
  uint64_t version = 0;           // the current version after the call
  std::vector<std::string> changed;
  bool noop = false;       // nothing changed (a patch that sets what is there)
  bool published = true;   // false: saved, the reconciler publishes it
  bool durable = true;     // false: renamed, but the directory fsync failed twice
  bool replicated = true;  // false: fewer replicas than --min-replicas confirmed it
  int replicas = -1;       // how many did (-1: not asked)

  bool refused() const { return refusal != Refusal::kNone; }
  static MutationOutcome refuse(Refusal why, std::string message, std::vector<Problem> problems = {}) {
    MutationOutcome out;
    out.refusal = why;
    out.message = std::move(message);
    out.problems = std::move(problems);
    return out;
  }
};

}  // namespace omega::settingsd
