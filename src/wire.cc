#include "wire.h"

#include <hiredis/hiredis.h>
#include <sodium.h>

#include <cctype>

#include "errors.h"
#include "json_reader.h"
#include "omega_config.h"

namespace omega {
namespace {

// A nil reply reads as "absent".
bool string_of(const redisReply* r, std::string* out) {
  if (r->type == REDIS_REPLY_STRING) {
    out->assign(r->str, r->len);
    return true;
  }
  return false;
}

void expect_array(const Reply& r, size_t n, const char* what) {
  if (r->type == REDIS_REPLY_ERROR) throw ConnError(std::string(what) + " failed: " + r->str);
  if (r->type != REDIS_REPLY_ARRAY || r->elements != n) throw ConnError(std::string(what) + ": unexpected reply");
}

bool parse_version(const std::string& s, int64_t* out) {
  if (s.empty() || s.size() > 18 || s[0] == '0') return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

std::string fingerprint_of(const redisReply* version, const redisReply* meta) {
  std::string v, m;
  bool hv = string_of(version, &v), hm = string_of(meta, &m);
  return (hv ? "v" + v : "-") + "\n" + (hm ? m : "-");
}

}  // namespace

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::string fetch_fingerprint(RedisConn& conn, const WireNames& names, Clock::time_point deadline) {
  Reply r = conn.command({"MGET", names.version_key, names.meta_key}, deadline);
  expect_array(r, 2, "MGET");
  return fingerprint_of(r->element[0], r->element[1]);
}

void check_published(Published* p, const std::string& version_text, const std::string* meta, size_t max_bytes) {
  if (p->raw.size() > max_bytes) {
    p->error = "snapshot is " + std::to_string(p->raw.size()) + " bytes, over the " + std::to_string(max_bytes) + "-byte cap";
    return;
  }
  if (!parse_version(version_text, &p->version)) {
    p->error = "version is not a decimal integer >= 1";
    return;
  }
  if (meta == nullptr) return;  // a plain writer: accept the pair as it is
  try {
    bool has_version = false, has_sha = false;
    for (const auto& m : json::parse_object(*meta, OMEGA_E_BAD_SNAPSHOT)) {
      if (m.key == "version") {
        int64_t v = 0;
        if (m.kind == json::Kind::Int) v = m.i;
        else if (m.kind == json::Kind::String && !parse_version(m.text, &v)) v = 0;
        if (v != p->version) {
          p->error = "meta version does not match the version key";
          return;
        }
        has_version = true;
      } else if (m.key == "epoch") {
        if (m.kind != json::Kind::String || m.text.empty() || m.text.size() > 64) {
          p->error = "meta epoch must be a string of 1 to 64 bytes";
          return;
        }
        p->epoch = m.text;
      } else if (m.key == "sha256") {
        has_sha = m.kind == json::Kind::String;
        std::string want = m.text;
        for (char& c : want) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!has_sha || want != sha256_hex(p->raw)) {
          p->error = "snapshot does not match the sha256 in its meta";
          return;
        }
      }
    }
    if (!has_version || !has_sha) p->error = "meta lacks version or sha256";
  } catch (const Error& e) {
    p->error = std::string("meta: ") + e.what();
  }
}

Published fetch_published(RedisConn& conn, const WireNames& names, size_t max_bytes, Clock::time_point deadline) {
  Published p;
  auto pre = conn.pipeline({{"MGET", names.version_key, names.meta_key}, {"STRLEN", names.config_key}}, deadline);
  expect_array(pre[0], 2, "MGET");
  if (pre[1]->type == REDIS_REPLY_INTEGER && static_cast<unsigned long long>(pre[1]->integer) > max_bytes) {
    p.fingerprint = fingerprint_of(pre[0]->element[0], pre[0]->element[1]);
    p.error = "snapshot is " + std::to_string(pre[1]->integer) + " bytes, over the " + std::to_string(max_bytes) + "-byte cap";
    return p;
  }
  Reply r = conn.command({"MGET", names.config_key, names.version_key, names.meta_key}, deadline);
  expect_array(r, 3, "MGET");
  p.fingerprint = fingerprint_of(r->element[1], r->element[2]);
  std::string version, meta;
  bool has_config = string_of(r->element[0], &p.raw);
  bool has_version = string_of(r->element[1], &version);
  bool has_meta = string_of(r->element[2], &meta);
  if (!has_config && !has_version) {
    p.empty = true;
    return p;
  }
  if (!has_config || !has_version) {
    p.error = has_config ? "snapshot has no version key" : "version key has no snapshot";
    return p;
  }
  check_published(&p, version, has_meta ? &meta : nullptr, max_bytes);
  return p;
}

}  // namespace omega
