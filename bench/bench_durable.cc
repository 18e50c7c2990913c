// Propagation with the durable write in front: from the start of an HTTP POST /config/patch to
// the real omega-settingsd (release build, a real .env, audit log, history: every fsync of a
// patch) until the reload callback of the last of N C readers ran; against etcd's durable put
// (gRPC KV.Put, its WAL fsynced, data dir on the same file system as the .env) until the last
// of N watchers (gRPC Watch, one connection each) got the event and parsed the value. etcd's
// value is the snapshot bytes the daemon published that round, so both carry the same size.
// Rounds alternate omega / etcd so that both see the same machine load.
//
//   bench_durable --daemon PATH --fixture DIR --readers N [--rounds R] [--json FILE] [--no-etcd]
//
// DIR holds omega.env, omega.schema.json and admin-tokens (bench/daemon/fixture.py writes
// them); each round patches BENCH_SETTING_0000 to a new value of the same length.
#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <omega_config.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_process.h"
#include "bench_redis.h"
#include "bench_round.h"
#include "bench_stats.h"
#ifdef OMEGA_BENCH_ETCD
#include "bench_etcd.h"
#endif

using Clock = std::chrono::steady_clock;

namespace {

Round omega_round, etcd_round;

void on_reload(int64_t, const char* const*, size_t, const omega_snapshot*, void*) { omega_round.arrived(); }

// One keep-alive HTTP/1.1 connection, one request at a time (what an operator's tool does).
class HttpClient {
 public:
  explicit HttpClient(int port) : port_(port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect to daemon");
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~HttpClient() { close(fd_); }

  // Returns the status code; the body goes to *body.
  int post(const std::string& path, const std::string& bearer, const std::string& json, std::string* body) {
    std::string req = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
                      "\r\nAuthorization: Bearer " + bearer +
                      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(json.size()) +
                      "\r\n\r\n" + json;
    for (size_t off = 0; off < req.size();) {
      ssize_t n = send(fd_, req.data() + off, req.size() - off, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send to daemon");
      off += static_cast<size_t>(n);
    }
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) fill();
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    int status = std::atoi(head.c_str() + head.find(' ') + 1);
    size_t length = 0;
    for (const char* name : {"\r\nContent-Length:", "\r\ncontent-length:"}) {
      size_t at = head.find(name);
      if (at != std::string::npos) length = std::strtoul(head.c_str() + at + std::strlen(name), nullptr, 10);
    }
    while (buf_.size() < length) fill();
    *body = buf_.substr(0, length);
    buf_.erase(0, length);
    return status;
  }

 private:
  void fill() {
    char chunk[16384];
    ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) throw std::runtime_error("the daemon closed the connection");
    buf_.append(chunk, static_cast<size_t>(n));
  }
  int port_, fd_;
  std::string buf_;
};

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// The bearer part of the fixture's first token line ("name:token").
std::string bearer_of(const std::string& token_file) {
  std::string line = read_file(token_file);
  line = line.substr(0, line.find('\n'));
  return line.substr(line.find(':') + 1);
}

std::string redis_get(redisContext* c, const char* key) {
  auto* r = static_cast<redisReply*>(redisCommand(c, "GET %s", key));
  std::string out = r && r->type == REDIS_REPLY_STRING ? std::string(r->str, r->len) : "";
  freeReplyObject(r);
  return out;
}

struct Args {
  std::string daemon, fixture;
  int readers = 10, rounds = 30;
  const char* json = nullptr;
  bool etcd = true;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--no-etcd") {
      a.etcd = false;
      continue;
    }
    if (i + 1 >= argc) break;
    const char* v = argv[++i];
    if (k == "--daemon")
      a.daemon = v;
    else if (k == "--fixture")
      a.fixture = v;
    else if (k == "--readers")
      a.readers = std::atoi(v);
    else if (k == "--rounds")
      a.rounds = std::atoi(v);
    else if (k == "--json")
      a.json = v;
  }
  if (a.daemon.empty() || a.fixture.empty()) {
    std::fprintf(stderr,
                 "usage: bench_durable --daemon PATH --fixture DIR --readers N [--rounds R] [--json FILE] "
                 "[--no-etcd]\n");
    std::exit(2);
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  raise_fd_limit();

  BenchRedis redis({"--maxclients", "20000"});
  int port = free_port();
  const std::string dir = a.fixture;
  ChildProcess daemon({a.daemon, "--env", dir + "/omega.env", "--schema", dir + "/omega.schema.json", "--redis-url",
                       redis.url(), "--listen", "127.0.0.1:" + std::to_string(port), "--admin-token-file",
                       dir + "/admin-tokens", "--audit-log", dir + "/audit.jsonl"},
                      dir + "/daemon.log");
  daemon.wait_port(port);
  redisContext* rc = redisConnect("127.0.0.1", redis.port());
  for (int i = 0; i < 1000 && redis_get(rc, "omega:config:version").empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the daemon's first publication

  std::string url = redis.url();
  std::vector<omega_cfg*> handles(a.readers);
  for (auto& h : handles) {
    omega_cfg_options o = OMEGA_CFG_OPTIONS_INIT;
    o.redis_url = url.c_str();
    o.service_name = "bench";
    if (omega_cfg_open(&o, &h) != OMEGA_OK) {
      std::fprintf(stderr, "open: %s\n", omega_last_error());
      return 1;
    }
    uint64_t token;
    omega_cfg_on_reload(h, on_reload, nullptr, nullptr, &token);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // every subscriber is in
  std::string snapshot = redis_get(rc, "omega:config");

  std::string etcd_skipped;
#ifdef OMEGA_BENCH_ETCD
  std::unique_ptr<EtcdServer> etcd;
  std::vector<std::unique_ptr<EtcdWatcher>> watchers;
  if (!a.etcd) {
    etcd_skipped = "not asked for (--no-etcd)";
  } else if (!EtcdServer::available()) {
    etcd_skipped = "etcd is not installed (scripts/install-deps.sh installs etcd-server)";
  } else {
    etcd = std::make_unique<EtcdServer>(dir + "/etcd");  // beside the .env: the same disk
    etcd->put("omega/config", snapshot);
    for (int i = 0; i < a.readers; ++i)
      watchers.push_back(std::make_unique<EtcdWatcher>(etcd->endpoint(), "omega/config", [] { etcd_round.arrived(); }));
  }
#else
  etcd_skipped = "built without gRPC (libgrpc++-dev, libprotobuf-dev, protobuf-compiler-grpc)";
#endif

  HttpClient http(port);
  const std::string bearer = bearer_of(dir + "/admin-tokens");
  std::vector<double> omega_ms, etcd_ms;
  auto wait_round = [&](Round& round, Clock::time_point t0, const char* what, std::vector<double>* out) {
    Clock::time_point last;
    if (!round.wait(&last)) {
      std::fprintf(stderr, "%s: not every reader arrived within 30 s\n", what);
      std::exit(1);
    }
    out->push_back(std::chrono::duration<double, std::milli>(last - t0).count());
  };
  const int warmup = 3;
  for (int r = 0; r < a.rounds + warmup; ++r) {
    char value[64];
    std::snprintf(value, sizeof value, "value-%08d-abcdefghijklmnop", r);
    std::string body, patch = std::string("{\"updates\":{\"BENCH_SETTING_0000\":\"") + value + "\"}}";
    omega_round.begin(a.readers);
    auto t0 = Clock::now();
    int status = http.post("/config/patch", bearer, patch, &body);
    if (status != 200) {
      std::fprintf(stderr, "patch: HTTP %d %s\n", status, body.c_str());
      return 1;
    }
    std::vector<double> ignored;
    wait_round(omega_round, t0, "omega", r >= warmup ? &omega_ms : &ignored);
#ifdef OMEGA_BENCH_ETCD
    if (etcd) {
      snapshot = redis_get(rc, "omega:config");  // this round's bytes, outside the timing
      etcd_round.begin(a.readers);
      t0 = Clock::now();
      etcd->put("omega/config", snapshot);
      wait_round(etcd_round, t0, "etcd", r >= warmup ? &etcd_ms : &ignored);
    }
#endif
  }

  Stats ours = Stats::of(omega_ms), peer = Stats::of(etcd_ms);
  std::printf("durable write -> last of %d readers, %zu-byte snapshot, %d rounds\n", a.readers, snapshot.size(),
              a.rounds);
  std::printf("  omega-settingsd patch -> C readers  p50 %8.3f ms  p99 %8.3f ms\n", ours.p50, ours.p99);
  if (etcd_skipped.empty())
    std::printf("  etcd put -> watchers                p50 %8.3f ms  p99 %8.3f ms  (omega / etcd %.2fx)\n", peer.p50,
                peer.p99, ours.p50 / peer.p50);
  else
    std::printf("  etcd: skipped, %s\n", etcd_skipped.c_str());
  if (a.json) {
    std::string etcd_json =
        etcd_skipped.empty() ? "\"etcd\":" + peer.json() : "\"etcd_skipped\":\"" + etcd_skipped + "\"";
    FILE* f = std::fopen(a.json, "a");
    std::fprintf(f, "{\"bench\":\"durable_propagation\",\"readers\":%d,\"bytes\":%zu,\"rounds\":%d,\"omega\":%s,%s}\n",
                 a.readers, snapshot.size(), a.rounds, ours.json().c_str(), etcd_json.c_str());
    std::fclose(f);
  }

#ifdef OMEGA_BENCH_ETCD
  watchers.clear();
  etcd.reset();
#endif
  for (auto* h : handles) omega_cfg_close(h);
  redisFree(rc);
  return 0;
}
