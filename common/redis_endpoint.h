// Where a Redis is and how to log in: the one parser of Redis URLs (fuzzed by
// fuzz/fuzz_redis_endpoint.cc), shared by the reader core and the daemon.
//
//   redis://[[user]:password@]host[:port][/db][?db=N&user=U&password=P]
//   rediss://…  the same over TLS, with redis-py's query parameters: ssl_ca_certs, ssl_ca_path,
//               ssl_certfile, ssl_keyfile, ssl_cert_reqs=none|optional|required,
//               ssl_check_hostname=true|false; and ssl_server_name (SNI and the name verified)
//   redis://[::1]:6379/0
//   unix:///path/redis.sock[?db=N&user=U&password=P]
//   redis-sentinel://[[user]:password@]s1:26379,s2:26379/<master>[/db][?role=replica|master
//                    &sentinel_user=U&sentinel_password=P]   (rediss-sentinel://: TLS to all)
//       the Sentinels name the node: a replica (random, so a fleet spreads) falling back to the
//       primary, or the primary; userinfo logs in to that node, sentinel_* to the Sentinels
//   redis-cluster://[[user]:password@]n1:6379,n2:6379[?role=replica]   (rediss-cluster://)
//       seeds of a Redis Cluster; the node that owns the keys' slot is followed (MOVED)
#pragma once
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace omega::redis {

// The URL cannot be used; the message says why and never echoes a password.
class UrlError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

constexpr int kMaxDb = 1000000;

class TlsContext;  // tls_context.h

struct TlsSettings {
  bool enabled = false;  // rediss://
  std::string ca_file;   // "" and ca_dir "": the system's CA store
  std::string ca_dir;
  std::string cert_file;  // client certificate (mutual TLS)
  std::string key_file;
  std::string server_name;      // SNI and the name verified; "" = the host
  bool verify_peer = true;      // ssl_cert_reqs=none turns it off
  bool verify_hostname = true;  // ssl_check_hostname=false turns it off
  // Built once from the settings above (make_tls_context), shared by every connection.
  std::shared_ptr<const TlsContext> context;
};

struct HostPort {
  std::string host;
  int port = 0;
};

// "host:port", an IPv6 host in brackets: for messages and node names.
std::string host_port(const std::string& host, int port);

enum class Topology { kStandalone, kSentinel, kCluster };
// Which node of a replicated set: any (standalone), the primary, or a replica (falling back
// to the primary when none is healthy).
enum class Role { kPrimary, kReplica };

struct Endpoint {
  Topology topology = Topology::kStandalone;
  std::vector<HostPort> seeds;  // the Sentinels, or cluster seed nodes
  std::string master_name;      // Sentinel: the monitored master's name
  Role role = Role::kReplica;   // Sentinel and cluster: default replica (readers); the writer asks kPrimary
  std::string sentinel_user;    // AUTH to the Sentinels (not to the data nodes)
  std::string sentinel_password;
  bool is_unix = false;
  std::string host = "127.0.0.1";  // without IPv6 brackets
  int port = 6379;
  std::string path;  // unix socket
  int db = 0;
  std::string user;  // empty: AUTH with the password alone
  std::string password;
  TlsSettings tls;
  bool readonly = false;  // a cluster replica: READONLY after login (set by node_choice)

  // For messages and logs: never includes credentials.
  std::string describe() const;
};

// Throws UrlError.
Endpoint parse_url(std::string_view url);

}  // namespace omega::redis
