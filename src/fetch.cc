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

bool over_cap(ReplyView size, size_t max_bytes) {
  return size.is_integer() && static_cast<unsigned long long>(size.integer()) > max_bytes;
}

std::string over_cap_error(unsigned long long bytes, size_t max_bytes) {
  return "snapshot is " + std::to_string(bytes) + " bytes, over the " + std::to_string(max_bytes) + "-byte cap";
}

// The MGET of snapshot, version and meta (one command: never a snapshot paired with another's
// version), checked.
Published from_mget(ReplyView r, size_t max_bytes) {
  Published p;
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

}  // namespace

std::string fetch_fingerprint(redis::Connection& conn, const wire::Names& names, redis::Clock::time_point deadline) {
  redis::Reply r = conn.command({"MGET", names.version, names.meta}, deadline);
  expect_array(r, 2, "MGET");
  return fingerprint_of(r[0], r[1]);
}

void check_published(Published* p, const std::string& version_text, const std::string* meta, size_t max_bytes) {
  if (p->raw.size() > max_bytes) {
    p->error = over_cap_error(p->raw.size(), max_bytes);
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
      p->seal_key_id = m.seal_key_id;
    }
  } catch (const wire::MetaError& e) {
    p->error = std::string("meta: ") + e.what();
  }
}

Published fetch_published(redis::Connection& conn, const wire::Names& names, size_t max_bytes,
                          redis::Clock::time_point deadline) {
  // One round trip: the size, then the MGET. An oversized snapshot is refused unread: the
  // connection is abandoned with that reply in flight, so at most what the socket already
  // holds is ever read.
  conn.send_all({{"STRLEN", names.config}, {"MGET", names.config, names.version, names.meta}}, deadline);
  redis::Reply size = conn.reply(deadline);
  if (over_cap(size, max_bytes)) {
    conn.abandon();
    Published p;
    p.error = over_cap_error(static_cast<unsigned long long>(size.integer()), max_bytes);
    return p;
  }
  return from_mget(conn.reply(deadline), max_bytes);
}

Published fetch_published_checked(redis::Connection& conn, const wire::Names& names, size_t max_bytes,
                                  redis::Clock::time_point deadline) {
  auto pre = conn.pipeline({{"MGET", names.version, names.meta}, {"STRLEN", names.config}}, deadline);
  expect_array(pre[0], 2, "MGET");
  if (over_cap(pre[1], max_bytes)) {
    Published p;
    p.fingerprint = fingerprint_of(pre[0][0], pre[0][1]);
    p.error = over_cap_error(static_cast<unsigned long long>(pre[1].integer()), max_bytes);
    return p;
  }
  return from_mget(conn.command({"MGET", names.config, names.version, names.meta}, deadline), max_bytes);
}

}  // namespace omega
