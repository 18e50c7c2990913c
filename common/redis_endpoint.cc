#include "redis_endpoint.h"

#include <cctype>
#include <cstdlib>

namespace omega::redis {
namespace {

[[noreturn]] void bad(const std::string& why) { throw UrlError("invalid Redis URL: " + why); }

int parse_int(std::string_view s, int lo, int hi, const char* what) {
  if (s.empty() || s.size() > 9) bad(std::string(what) + " must be a number");
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') bad(std::string(what) + " must be a number");
    v = v * 10 + (c - '0');
  }
  if (v < lo || v > hi) bad(std::string(what) + " out of range");
  return v;
}

std::string percent_decode(std::string_view s, const char* what) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
      bad(std::string("bad percent-escape in the ") + what);
    out += static_cast<char>(std::strtol(std::string(s.substr(i + 1, 2)).c_str(), nullptr, 16));
    i += 2;
  }
  if (out.find('\0') != std::string::npos) bad(std::string("NUL in the ") + what);
  return out;
}

// True for one of `yes`, false for one of `no` (any case), else bad(why).
bool choice(std::string_view value, std::initializer_list<const char*> yes, std::initializer_list<const char*> no,
            const char* why) {
  std::string v;
  for (char c : value) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* y : yes)
    if (v == y) return true;
  for (const char* n : no)
    if (v == n) return false;
  bad(why);
}

// Splits "a=1&b=2" into the endpoint's fields.
void parse_query(std::string_view q, Endpoint* ep) {
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view item = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) bad("query item without '='");
    std::string_view name = item.substr(0, eq), value = item.substr(eq + 1);
    TlsSettings& tls = ep->tls;
    if (name == "db")
      ep->db = parse_int(value, 0, kMaxDb, "db");
    else if (name == "password")
      ep->password = percent_decode(value, "password");
    else if (name == "user")
      ep->user = percent_decode(value, "user");
    else if (name == "ssl_ca_certs")
      tls.ca_file = percent_decode(value, "ssl_ca_certs");
    else if (name == "ssl_ca_path")
      tls.ca_dir = percent_decode(value, "ssl_ca_path");
    else if (name == "ssl_certfile")
      tls.cert_file = percent_decode(value, "ssl_certfile");
    else if (name == "ssl_keyfile")
      tls.key_file = percent_decode(value, "ssl_keyfile");
    else if (name == "ssl_server_name")
      tls.server_name = percent_decode(value, "ssl_server_name");
    else if (name == "role")
      ep->role = choice(value, {"replica", "slave"}, {"master", "primary"}, "role must be replica or master")
                     ? Role::kReplica
                     : Role::kPrimary;
    else if (name == "sentinel_user")
      ep->sentinel_user = percent_decode(value, "sentinel_user");
    else if (name == "sentinel_password")
      ep->sentinel_password = percent_decode(value, "sentinel_password");
    else if (name == "ssl_cert_reqs")
      tls.verify_peer =
          choice(value, {"required", "optional"}, {"none"}, "ssl_cert_reqs must be none, optional or required");
    else if (name == "ssl_check_hostname")
      tls.verify_hostname =
          choice(value, {"true", "1", "yes"}, {"false", "0", "no"}, "ssl_check_hostname must be true or false");
    else
      bad("unknown query parameter (allowed: db, password, user, role, sentinel_user, sentinel_password, "
          "ssl_ca_certs, ssl_ca_path, ssl_certfile, ssl_keyfile, ssl_cert_reqs, ssl_check_hostname, "
          "ssl_server_name)");  // never echoed: it may be a secret
    if (name.rfind("ssl_", 0) == 0 && !tls.enabled) bad("ssl_* parameters need a rediss:// URL");
    if ((name == "role" || name.rfind("sentinel_", 0) == 0) && ep->topology == Topology::kStandalone)
      bad(std::string(name) + " is for redis-sentinel:// and redis-cluster:// URLs");
    if (name.rfind("sentinel_", 0) == 0 && ep->topology != Topology::kSentinel)
      bad(std::string(name) + " is for redis-sentinel:// URLs");
  }
}

// "host[:port]" or "[v6][:port]".
HostPort parse_host_port(std::string_view authority, int default_port) {
  HostPort hp;
  hp.port = default_port;
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) bad("unterminated IPv6 address");
    hp.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') bad("junk after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) bad("empty port");
    }
  } else {
    size_t colon = authority.find(':');
    hp.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) bad("empty port");
    }
  }
  if (hp.host.empty()) bad("missing host");
  if (!port.empty()) hp.port = parse_int(port, 1, 65535, "port");
  return hp;
}

struct Scheme {
  const char* prefix;
  Topology topology;
  bool tls;
};
const Scheme kSchemes[] = {
    {"redis://", Topology::kStandalone, false},        {"rediss://", Topology::kStandalone, true},
    {"redis-sentinel://", Topology::kSentinel, false}, {"rediss-sentinel://", Topology::kSentinel, true},
    {"redis-cluster://", Topology::kCluster, false},   {"rediss-cluster://", Topology::kCluster, true},
};

}  // namespace

std::string host_port(const std::string& host, int port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Endpoint::describe() const {
  if (is_unix) return "unix:" + path + " db " + std::to_string(db);
  return host_port(host, port) + " db " + std::to_string(db) + (tls.enabled ? " (TLS)" : "");
}

Endpoint parse_url(std::string_view url) {
  Endpoint ep;
  for (char c : url)
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) bad("contains spaces or control characters");
  if (url.rfind("unix://", 0) == 0) {
    std::string_view rest = url.substr(7);
    size_t q = rest.find('?');
    ep.is_unix = true;
    ep.path = percent_decode(rest.substr(0, q), "socket path");
    if (ep.path.empty() || ep.path[0] != '/') bad("unix:// needs an absolute socket path (unix:///path.sock)");
    if (q != std::string_view::npos) parse_query(rest.substr(q + 1), &ep);
    return ep;
  }
  const Scheme* scheme = nullptr;
  for (const Scheme& s : kSchemes)
    if (url.rfind(s.prefix, 0) == 0) scheme = &s;
  if (!scheme)
    bad("scheme must be redis://, rediss://, unix://, redis-sentinel://, rediss-sentinel://, redis-cluster:// or "
        "rediss-cluster://");
  ep.topology = scheme->topology;
  ep.tls.enabled = scheme->tls;
  std::string_view rest = url.substr(std::string_view(scheme->prefix).size());
  size_t at_sign = rest.rfind('@');
  size_t q = rest.find('?', at_sign == std::string_view::npos ? 0 : at_sign);
  if (q != std::string_view::npos) {
    parse_query(rest.substr(q + 1), &ep);
    rest = rest.substr(0, q);
  }
  size_t slash = rest.find('/', at_sign == std::string_view::npos ? 0 : at_sign);
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      ep.password = percent_decode(userinfo, "password");  // redis://secret@host, as redis-py reads it
    } else {
      ep.user = percent_decode(userinfo.substr(0, colon), "user");
      ep.password = percent_decode(userinfo.substr(colon + 1), "password");
    }
  }
  // The path: the db (standalone), the master's name and an optional db (Sentinel), nothing
  // (a cluster has only db 0).
  if (ep.topology == Topology::kSentinel) {
    size_t db_slash = path.find('/');
    ep.master_name = percent_decode(path.substr(0, db_slash), "master name");
    if (ep.master_name.empty()) bad("redis-sentinel:// needs the master's name: redis-sentinel://s1:26379/mymaster");
    if (db_slash != std::string_view::npos && db_slash + 1 < path.size())
      ep.db = parse_int(path.substr(db_slash + 1), 0, kMaxDb, "db");
  } else if (!path.empty()) {
    ep.db = parse_int(path, 0, kMaxDb, "db");
  }
  if (ep.topology == Topology::kCluster && ep.db != 0) bad("a Redis Cluster has only db 0");
  if (ep.topology == Topology::kStandalone) {
    if (authority.find(',') != std::string_view::npos) bad("several hosts need redis-sentinel:// or redis-cluster://");
    HostPort hp = parse_host_port(authority, 6379);
    ep.host = hp.host;
    ep.port = hp.port;
    return ep;
  }
  int default_port = ep.topology == Topology::kSentinel ? 26379 : 6379;
  while (true) {
    size_t comma = authority.find(',');
    ep.seeds.push_back(parse_host_port(authority.substr(0, comma), default_port));
    if (comma == std::string_view::npos) break;
    authority = authority.substr(comma + 1);
  }
  ep.host = ep.seeds.front().host;  // until a node is chosen
  ep.port = ep.seeds.front().port;
  return ep;
}

}  // namespace omega::redis
