#include "fetch.h"

#include <cctype>

#include "digest.h"
#include "node_choice.h"

namespace omega {
namespace {

using redis::ReplyView;

// A nil reply reads as "absent".
bool string_of(ReplyView r, std::string* out) {
  if (!r.is_string()) return false;
  out->assign(r.text());
  return true;
}

void expect_array(ReplyView r, size_t n, const char* what) {
  redis::check_redirect(r);  // a cluster slot that moved: the watcher follows it
  if (r.is_error()) throw redis::ConnError(std::string(what) + " failed: " + std::string(r.text()));
  if (!r.is_array() || r.size() != n) throw redis::ConnError(std::string(what) + ": unexpected reply");
}

std::string fingerprint_of(ReplyView version, ReplyView meta) {
  std::string v, m;
  bool hv = string_of(version, &v), hm = string_of(meta, &m);
  return (hv ? "v" + v : "-") + "\n" + (hm ? m : "-");
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string fetch_fingerprint(redis::Connection& conn, const wire::Names& names, redis::Clock::time_point deadline) {
  redis::Reply r = conn.command({"MGET", names.version, names.meta}, deadline);
  expect_array(r, 2, "MGET");
  return fingerprint_of(r[0], r[1]);
}

void check_published(Published* p, const std::string& version_text, const std::string* meta, size_t max_bytes) {
  if (p->raw.size() > max_bytes) {
    p->error =
        "snapshot is " + std::to_string(p->raw.size()) + " bytes, over the " + std::to_string(max_bytes) + "-byte cap";
    return;
  }
  std::optional<uint64_t> version = wire::parse_version(version_text);
  if (!version) {
    p->error = "version is not a decimal integer from 1 to 2^53-1";
    return;
  }
  p->version = static_cast<int64_t>(*version);
  if (meta == nullptr) return;  // a plain writer: accept the pair as it is
  try {
    wire::Meta m = wire::decode_meta(*meta);
    if (!m.version || !m.sha256) {
      p->error = "meta lacks version or sha256";
    } else if (*m.version != *version) {
      p->error = "meta version does not match the version key";
    } else if (lower(*m.sha256) != sha256_hex(p->raw)) {
      p->error = "snapshot does not match the sha256 in its meta";
    } else {
      p->epoch = m.epoch;
    }
  } catch (const wire::MetaError& e) {
    p->error = std::string("meta: ") + e.what();
  }
}

Published fetch_published(redis::Connection& conn, const wire::Names& names, size_t max_bytes,
                          redis::Clock::time_point deadline) {
  Published p;
  auto pre = conn.pipeline({{"MGET", names.version, names.meta}, {"STRLEN", names.config}}, deadline);
  expect_array(pre[0], 2, "MGET");
  if (pre[1].is_integer() && static_cast<unsigned long long>(pre[1].integer()) > max_bytes) {
    p.fingerprint = fingerprint_of(pre[0][0], pre[0][1]);
    p.error = "snapshot is " + std::to_string(pre[1].integer()) + " bytes, over the " + std::to_string(max_bytes) +
              "-byte cap";
    return p;
  }
  redis::Reply r = conn.command({"MGET", names.config, names.version, names.meta}, deadline);
  expect_array(r, 3, "MGET");
  p.fingerprint = fingerprint_of(r[1], r[2]);
  std::string version, meta;
  bool has_config = string_of(r[0], &p.raw);
  bool has_version = string_of(r[1], &version);
  bool has_meta = string_of(r[2], &meta);
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
