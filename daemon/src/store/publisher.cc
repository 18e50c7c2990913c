#include "store/publisher.h"

#include "digest.h"
#include "node_choice.h"
#include "service/utc_time.h"

namespace omega::settingsd {
namespace {

std::optional<uint64_t> version_of(redis::ReplyView r) {
  if (!r.is_string()) return std::nullopt;
  return wire::parse_version(r.text());
}

}  // namespace

Publisher::Publisher(redis::Endpoint endpoint, wire::Names names, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), names_(std::move(names)), timeout_(timeout) {
  endpoint_.role = redis::Role::kPrimary;  // the writer writes to the primary, wherever it is now
  route_.routing_key = names_.config;
}

Publisher::~Publisher() = default;

std::optional<std::vector<redis::Reply>> Publisher::run(const std::vector<redis::Command>& cmds, bool follow) {
  for (int attempt = 0; attempt < (follow ? 2 : 1); ++attempt) {  // a second one only to follow a MOVED
    try {
      auto deadline = redis::Clock::now() + timeout_;
      // Sentinel and cluster endpoints are resolved on every (re)connect: after a failover
      // this finds the new primary (and verifies its ROLE).
      if (!conn_) conn_ = redis::connect(endpoint_, route_, -1, deadline);
      route_.preferred.clear();
      std::vector<redis::Reply> replies = conn_->pipeline(cmds, deadline);
      for (const redis::Reply& r : replies) {
        redis::check_redirect(r);
        // A primary demoted by a failover refuses writes: never write to it again.
        if (r.is_error() && r.text().find("READONLY") != std::string_view::npos)
          throw redis::ConnError("Redis at " + conn_->where() + " is no longer the primary: " + std::string(r.text()));
      }
      return replies;
    } catch (const redis::Redirected& e) {
      error_ = e.what();
      route_.preferred = e.target();
      conn_.reset();
    } catch (const redis::ConnError& e) {
      error_ = e.what();
      conn_.reset();
      return std::nullopt;
    }
  }
  return std::nullopt;
}

int Publisher::wait_for_replicas(int replicas, std::chrono::milliseconds timeout) {
  if (!conn_) return 0;
  try {
    auto deadline = redis::Clock::now() + timeout + timeout_;
    redis::Reply r = conn_->command({"WAIT", std::to_string(replicas), std::to_string(timeout.count())}, deadline);
    if (r.is_integer()) return static_cast<int>(r.integer());
    error_ = "WAIT refused: " + std::string(r.text());
  } catch (const redis::ConnError& e) {
    error_ = e.what();
    conn_.reset();
  }
  return 0;
}

PublishStatus Publisher::read_state(RedisState* out) {
  *out = RedisState{};
  auto replies = run({{"MGET", names_.config, names_.version, names_.meta}});
  if (!replies) return PublishStatus::kUnreachable;
  const redis::Reply& r = (*replies)[0];
  // An error reply (NOAUTH, NOPERM, LOADING) says nothing about the data: never read it as
  // "Redis is empty", which would re-seed with a new epoch.
  if (!r.is_array() || r.size() != 3) {
    error_ = r.is_error() ? "MGET refused: " + std::string(r.text()) : "unexpected MGET reply";
    return PublishStatus::kUnreachable;
  }
  if (r[0].is_string()) out->snapshot.emplace(r[0].text());
  out->version = version_of(r[1]);
  out->version_malformed = !out->version && !r[1].is_nil();
  if (r[2].is_string()) {
    try {
      wire::Meta meta = wire::decode_meta(r[2].text());
      out->epoch = meta.epoch;
      out->sha256 = meta.sha256.value_or("");
      out->seal_key_id = meta.seal_key_id;
    } catch (const wire::MetaError&) {
      // Malformed meta: no epoch to keep; the reconciler republishes under a new one.
    }
  }
  return PublishStatus::kOk;
}

PublishStatus Publisher::begin(uint64_t prev_version) {
  auto replies = run({{"WATCH", names_.version}, {"GET", names_.version}});
  if (!replies) return PublishStatus::kUnreachable;
  for (const redis::Reply& r : *replies)
    if (r.is_error()) {
      error_ = "WATCH/GET refused: " + std::string(r.text());
      abort();
      return PublishStatus::kUnreachable;
    }
  std::optional<uint64_t> current = version_of((*replies)[1]);
  // Anything above the version this writer holds was published by someone else: writing
  // prev+1 over it would give two snapshots one version number.
  if (current && *current > prev_version) {
    error_ = "Redis holds version " + std::to_string(*current) + ", above ours (" + std::to_string(prev_version) +
             "): another writer";
    abort();
    return PublishStatus::kConflict;
  }
  return PublishStatus::kOk;
}

void Publisher::abort() { run({{"UNWATCH"}}); }

PublishStatus Publisher::commit(const Publication& p, int64_t* subscribers) {
  // The sha256 is of the bytes readers fetch: sealed, when sealing is on.
  std::string meta = wire::encode_meta(p.version, p.epoch, sha256_hex(p.snapshot), utc_now_rfc3339(), "omega-settingsd",
                                       p.seal_key_id);
  // Never replayed on another node after a MOVED: the WATCH of begin() stays behind on this
  // connection. The next begin() goes to the slot's new owner (the reconciler retries).
  auto replies = run({{"MULTI"},
                      {"SET", names_.config, p.snapshot},
                      {"SET", names_.version, std::to_string(p.version)},
                      {"SET", names_.meta, meta},
                      {"PUBLISH", names_.channel, wire::encode_message(p.event, p.version, p.prev_version, p.changed)},
                      {"EXEC"}},
                     false);
  if (!replies) return PublishStatus::kUnreachable;
  const redis::Reply& exec = replies->back();
  if (exec.is_nil()) {
    error_ = "the watched version changed before EXEC: another writer";
    return PublishStatus::kConflict;
  }
  if (!exec.is_array()) {
    error_ = exec.is_error() ? "EXEC failed: " + std::string(exec.text()) : "EXEC failed";
    return PublishStatus::kUnreachable;
  }
  for (size_t i = 0; i < exec.size(); ++i)
    if (exec[i].is_error()) {
      error_ = "a command in MULTI failed: " + std::string(exec[i].text());
      return PublishStatus::kUnreachable;
    }
  if (subscribers && exec.size() == 4 && exec[3].is_integer()) *subscribers = exec[3].integer();
  return PublishStatus::kOk;
}

}  // namespace omega::settingsd
