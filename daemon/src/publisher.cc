// WATCH/MULTI/EXEC publication of snapshot + version + meta + PUBLISH (see publisher.h).
#include "publisher.h"

#include <cstdlib>
#include <cstring>

#include <hiredis/hiredis.h>

#include "json_util.h"

namespace omega::settingsd {
namespace {

// At most 16 digits and kMaxVersion, so it cannot overflow and a JSON number holds it exactly.
std::optional<uint64_t> parse_version(const redisReply *r) {
  if (!r || r->type != REDIS_REPLY_STRING || r->len == 0 || r->len > 16) return std::nullopt;
  uint64_t v = 0;
  for (size_t i = 0; i < r->len; ++i) {
    if (r->str[i] < '0' || r->str[i] > '9') return std::nullopt;
    v = v * 10 + uint64_t(r->str[i] - '0');
  }
  if (v > kMaxVersion) return std::nullopt;
  return v;
}

}  // namespace

KeyNames KeyNames::with_prefix(const std::string &prefix) {
  KeyNames k;
  if (prefix.empty()) return k;
  k.config = prefix + ":" + k.config;
  k.version = prefix + ":" + k.version;
  k.meta = prefix + ":" + k.meta;
  k.channel = prefix + ":" + k.channel;
  return k;
}

Publisher::Publisher(RedisAddress addr, KeyNames keys) : link_(std::move(addr)), keys_(std::move(keys)) {}

bool Publisher::ping() {
  std::vector<redisReply *> replies;
  bool ok = link_.pipeline({{"PING"}}, &replies);
  if (!ok) error_ = link_.last_error();
  free_replies(&replies);
  return ok;
}

PublishStatus Publisher::read_state(RedisState *out) {
  *out = RedisState{};
  std::vector<redisReply *> replies;
  if (!link_.pipeline({{"MGET", keys_.config, keys_.version, keys_.meta}}, &replies)) {
    error_ = link_.last_error();
    return PublishStatus::unreachable;
  }
  redisReply *r = replies[0];
  // An error reply (NOAUTH, NOPERM, LOADING) says nothing about the data: never read it as
  // "Redis is empty", which would re-seed with a new epoch.
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
    error_ = r->type == REDIS_REPLY_ERROR ? std::string("MGET refused: ") + r->str : "unexpected MGET reply";
    free_replies(&replies);
    return PublishStatus::unreachable;
  }
  if (r->element[0]->type == REDIS_REPLY_STRING) out->snapshot.emplace(r->element[0]->str, r->element[0]->len);
  out->version = parse_version(r->element[1]);
  out->version_malformed = !out->version && r->element[1]->type != REDIS_REPLY_NIL;
  if (r->element[2]->type == REDIS_REPLY_STRING) {
    JsonPtr meta(cJSON_ParseWithLength(r->element[2]->str, r->element[2]->len));
    const cJSON *epoch = cJSON_GetObjectItemCaseSensitive(meta.get(), "epoch");
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(meta.get(), "sha256");
    if (cJSON_IsString(epoch)) out->epoch = epoch->valuestring;
    if (cJSON_IsString(sha)) out->sha256 = sha->valuestring;
  }
  free_replies(&replies);
  return PublishStatus::ok;
}

PublishStatus Publisher::begin(uint64_t prev_version) {
  std::vector<redisReply *> replies;
  if (!link_.pipeline({{"WATCH", keys_.version}, {"GET", keys_.version}}, &replies)) {
    error_ = link_.last_error();
    return PublishStatus::unreachable;
  }
  for (redisReply *r : replies)
    if (r->type == REDIS_REPLY_ERROR) {
      error_ = std::string("WATCH/GET refused: ") + r->str;
      free_replies(&replies);
      abort();
      return PublishStatus::unreachable;
    }
  std::optional<uint64_t> current = parse_version(replies[1]);
  free_replies(&replies);
  // Anything above the version this writer holds was published by someone else: writing
  // prev+1 over it would give two snapshots one version number.
  if (current && *current > prev_version) {
    error_ = "Redis holds version " + std::to_string(*current) + ", above ours (" + std::to_string(prev_version) +
             "): another writer";
    abort();
    return PublishStatus::conflict;
  }
  return PublishStatus::ok;
}

void Publisher::abort() {
  std::vector<redisReply *> replies;
  link_.pipeline({{"UNWATCH"}}, &replies);
  free_replies(&replies);
}

std::string Publisher::message_json(const Publication &p) {
  JsonPtr msg(cJSON_CreateObject());
  cJSON_AddStringToObject(msg.get(), "event", p.event.c_str());
  cJSON_AddStringToObject(msg.get(), "version", std::to_string(p.version).c_str());
  cJSON_AddStringToObject(msg.get(), "prev_version", std::to_string(p.prev_version).c_str());
  cJSON *changed = cJSON_AddArrayToObject(msg.get(), "changed");
  for (const auto &k : p.changed) cJSON_AddItemToArray(changed, cJSON_CreateString(k.c_str()));
  return json_print(msg.get());
}

std::string Publisher::meta_json(const Publication &p, const std::string &written_at) {
  JsonPtr meta(cJSON_CreateObject());
  cJSON_AddNumberToObject(meta.get(), "version", double(p.version));
  cJSON_AddStringToObject(meta.get(), "epoch", p.epoch.c_str());
  cJSON_AddStringToObject(meta.get(), "sha256", sha256_hex(p.snapshot).c_str());
  cJSON_AddStringToObject(meta.get(), "written_at", written_at.c_str());
  cJSON_AddStringToObject(meta.get(), "writer", "omega-settingsd");
  return json_print(meta.get());
}

PublishStatus Publisher::commit(const Publication &p) {
  std::string version = std::to_string(p.version);
  std::vector<redisReply *> replies;
  bool ok = link_.pipeline({{"MULTI"},
                            {"SET", keys_.config, p.snapshot},
                            {"SET", keys_.version, version},
                            {"SET", keys_.meta, meta_json(p, utc_now_rfc3339())},
                            {"PUBLISH", keys_.channel, message_json(p)},
                            {"EXEC"}},
                           &replies);
  if (!ok) {
    error_ = link_.last_error();
    return PublishStatus::unreachable;
  }
  redisReply *exec = replies.back();
  PublishStatus status = PublishStatus::ok;
  if (exec->type == REDIS_REPLY_NIL) {
    error_ = "the watched version changed before EXEC: another writer";
    status = PublishStatus::conflict;
  } else if (exec->type != REDIS_REPLY_ARRAY) {
    error_ = exec->type == REDIS_REPLY_ERROR ? std::string("EXEC failed: ") + exec->str : "EXEC failed";
    status = PublishStatus::unreachable;
  } else {
    for (size_t i = 0; i < exec->elements; ++i)
      if (exec->element[i]->type == REDIS_REPLY_ERROR) {
        error_ = std::string("a command in MULTI failed: ") + exec->element[i]->str;
        status = PublishStatus::unreachable;
      }
  }
  free_replies(&replies);
  return status;
}

PublishStatus Publisher::publish(const Publication &p) {
  PublishStatus s = begin(p.prev_version);
  if (s != PublishStatus::ok) return s;
  return commit(p);
}

}  // namespace omega::settingsd
