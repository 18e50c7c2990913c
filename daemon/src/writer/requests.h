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

// A comment longer than this (bytes) is refused (kInvalid, key "comment").
inline constexpr size_t kMaxCommentBytes = 1024;
// A temporary change reverts after 1 s to 7 days.
inline constexpr int64_t kMaxRevertAfterS = 7 * 24 * 3600;

struct PatchRequest {
  // Typed JSON values (JSON null: unset, back to the schema default), borrowed from the
  // request's parsed body for the duration of the call.
  std::vector<std::pair<std::string, const cJSON*>> updates;
  Preconditions pre;
  Actor actor;
  std::string comment;                    // why ("" = none): history and audit
  bool dry_run = false;                   // validate and say what would change; change nothing
  std::optional<int64_t> revert_after_s;  // a temporary change: revert these keys after N s
};

struct RollbackRequest {
  uint64_t target = 0;
  Preconditions pre;
  Actor actor;
  std::string comment;
  bool dry_run = false;
};

struct ReloadRequest {
  Actor actor;
  std::string comment;
};

// Why a mutation changed nothing.
enum class Refusal {
  kNone,
  kForbidden,             // a key no patch may set (admin credentials, writer options)
  kInvalid,               // problems lists every bad key
  kInvalidEnvFile,        // reload: the .env on disk is invalid (problems)
  kValidatorRefused,      // --validate-with refused the candidate (problems: its errors)
  kValidatorUnavailable,  // --validate-with gave no verdict (crash, timeout, cannot start)
  kStaleIfMatch,          // If-Match names an old version
  kStaleExpected,         // expected_version names an old version
  kEnvChangedOnDisk,      // hand-edited since loaded: reload first
  kVersionNotFound,       // rollback to a version the history does not hold (message names those it holds)
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
  bool noop = false;                   // nothing changed (a patch that sets what is there)
  bool published = true;               // false: saved, the reconciler publishes it ...
  bool contested = false;              // ... unless another writer published meanwhile: then not
  bool durable = true;                 // false: renamed, but the directory fsync failed twice
  bool replicated = true;              // false: fewer replicas than --min-replicas confirmed it
  int replicas = -1;                   // how many did (-1: not asked)
  std::optional<int64_t> subscribers;  // published: subscribers the primary delivered to
  bool dry_run = false;                // nothing was changed: changes_json says what would be
  std::string changes_json;            // dry run: [{"key","old"?,"new"?}|{"key","changed":true}…]
  std::string revert_at;               // a temporary change: when it reverts (RFC 3339), "" = never

  bool refused() const { return refusal != Refusal::kNone; }
  static MutationOutcome refuse(Refusal why, std::string message, std::vector<Problem> problems = {}) {
    MutationOutcome out;
    out.refusal = why;
    out.message = std::move(message);
    out.problems = std::move(problems);
    return out;
  }
};

// GET /config/diff: what changed between two versions of the history.
struct DiffOutcome {
  bool found = false;  // false: message names the missing version and those held
  std::string message;
  std::string missing;  // "from" or "to"
  uint64_t from = 0, to = 0;
  std::string changes_json;  // as MutationOutcome::changes_json
};

}  // namespace omega::settingsd
