// Propagation: from the start of the writer's MULTI/EXEC to the reload callback of the last of
// N readers, against the floor in the same process and run: N bare hiredis subscribers that,
// on each message, MGET the three keys on their own connection and cJSON_Parse the snapshot.
// And against the peer: N etcd watchers (native gRPC Watch, one connection each) of one key
// that holds the same snapshot bytes, from the start of the put to the last watcher's event
// (value parsed with cJSON). etcd's data dir is on tmpfs (/dev/shm, or --etcd-dir), so the
// fsync of its WAL costs nothing: this compares the fan-out, not the disk (bench_durable
// compares them with the disk). Rounds alternate floor / omega-config / etcd so that all see
// the same machine load.
//
//   bench_propagation --readers N --keys K [--rounds R] [--json FILE] [--etcd-dir DIR|none]
//
// The writer publishes as omega-settingsd does: snapshot, version, meta (with the snapshot's
// sha256, which omega-config readers verify) and the message, in one MULTI/EXEC; one setting
// changes per round.
#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>
#include <omega_config.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_redis.h"
#include "bench_snapshot.h"
#ifdef OMEGA_BENCH_ETCD
#include "bench_etcd.h"
#endif
#include "bench_round.h"
#include "bench_stats.h"
#include "digest.h"
#include "wire_format.h"

using Clock = std::chrono::steady_clock;
namespace wire = omega::wire;

namespace {

Round floor_round, omega_round, etcd_round;

// One MULTI/EXEC, as omega-settingsd writes it; returns when EXEC answered.
void publish(redisContext* c, const wire::Names& n, const std::string& json, uint64_t version) {
  std::string v = std::to_string(version);
  std::string meta = wire::encode_meta(version, "benchepoch", omega::sha256_hex(json), "2026-01-01T00:00:00Z", "bench");
  std::string message = wire::encode_message("updated", version, version - 1, {});
  redisAppendCommand(c, "MULTI");
  redisAppendCommand(c, "SET %s %b", n.config.c_str(), json.data(), json.size());
  redisAppendCommand(c, "SET %s %s", n.version.c_str(), v.c_str());
  redisAppendCommand(c, "SET %s %b", n.meta.c_str(), meta.data(), meta.size());
  redisAppendCommand(c, "PUBLISH %s %b", n.channel.c_str(), message.data(), message.size());
  redisAppendCommand(c, "EXEC");
  for (int i = 0; i < 6; ++i) {
    void* r = nullptr;
    if (redisGetReply(c, &r) != REDIS_OK) {
      std::fprintf(stderr, "publish: %s\n", c->errstr);
      std::exit(1);
    }
    freeReplyObject(r);
  }
}

// The floor: what any subscriber must do at least.
void floor_reader(int port, wire::Names n, std::atomic<int>* subscribed) {
  redisContext* sub = redisConnect("127.0.0.1", port);
  redisContext* cmd = redisConnect("127.0.0.1", port);
  freeReplyObject(redisCommand(sub, "SUBSCRIBE %s", n.channel.c_str()));
  ++*subscribed;
  for (;;) {
    void* m = nullptr;
    if (redisGetReply(sub, &m) != REDIS_OK) break;
    auto* msg = static_cast<redisReply*>(m);
    bool stop = msg->type == REDIS_REPLY_ARRAY && msg->elements == 3 && std::strcmp(msg->element[2]->str, "stop") == 0;
    freeReplyObject(msg);
    if (stop) break;
    auto* r = static_cast<redisReply*>(
        redisCommand(cmd, "MGET %s %s %s", n.config.c_str(), n.version.c_str(), n.meta.c_str()));
    cJSON* parsed = cJSON_Parse(r->element[0]->str);
    floor_round.arrived();
    cJSON_Delete(parsed);
    freeReplyObject(r);
  }
  redisFree(sub);
  redisFree(cmd);
}

void on_reload(int64_t, const char* const*, size_t, const omega_snapshot*, void*) { omega_round.arrived(); }

struct Args {
  int readers = 10, keys = 200, rounds = 50;
  const char* json = nullptr;
  std::string etcd_dir = "/dev/shm";  // "none": no etcd column
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--readers")
      a.readers = std::atoi(argv[i + 1]);
    else if (k == "--keys")
      a.keys = std::atoi(argv[i + 1]);
    else if (k == "--rounds")
      a.rounds = std::atoi(argv[i + 1]);
    else if (k == "--json")
      a.json = argv[i + 1];
    else if (k == "--etcd-dir")
      a.etcd_dir = argv[i + 1];
    else {
      std::fprintf(stderr,
                   "usage: bench_propagation --readers N --keys K [--rounds R] [--json FILE] [--etcd-dir DIR|none]\n");
      std::exit(2);
    }
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  raise_fd_limit();

  BenchRedis redis({"--maxclients", "20000"});
  wire::Names floor_names = wire::Names::with_prefix("floor"), omega_names;
  redisContext* writer = redisConnect("127.0.0.1", redis.port());
  std::string json = snapshot_json(a.keys, 0);
  publish(writer, floor_names, json, 1);
  publish(writer, omega_names, json, 1);

  std::atomic<int> subscribed{0};
  std::vector<std::thread> floor_threads;
  for (int i = 0; i < a.readers; ++i) floor_threads.emplace_back(floor_reader, redis.port(), floor_names, &subscribed);

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
  // The peer, when built with gRPC and etcd is installed; otherwise the JSON says why not.
  std::string etcd_skipped;
#ifdef OMEGA_BENCH_ETCD
  std::unique_ptr<EtcdServer> etcd;
  std::vector<std::unique_ptr<EtcdWatcher>> watchers;
  if (a.etcd_dir == "none") {
    etcd_skipped = "not asked for (--etcd-dir none)";
  } else if (!EtcdServer::available()) {
    etcd_skipped = "etcd is not installed (scripts/install-deps.sh installs etcd-server)";
  } else {
    std::string dir = a.etcd_dir + "/omega-bench-etcd-XXXXXX";
    if (mkdtemp(dir.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    etcd = std::make_unique<EtcdServer>(dir);
    etcd->put("omega/config", json);
    for (int i = 0; i < a.readers; ++i)
      watchers.push_back(std::make_unique<EtcdWatcher>(etcd->endpoint(), "omega/config", [] { etcd_round.arrived(); }));
  }
#else
  etcd_skipped = "built without gRPC (libgrpc++-dev, libprotobuf-dev, protobuf-compiler-grpc)";
#endif

  while (subscribed < a.readers) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // every omega subscriber is in

  std::vector<double> floor_ms, omega_ms, etcd_ms;
  using Write = std::function<void(const std::string&)>;
  auto run = [&](Round& round, const Write& write, uint64_t version, std::vector<double>* out) {
    std::string next = snapshot_json(a.keys, static_cast<int>(version));
    round.begin(a.readers);
    auto t0 = Clock::now();
    write(next);
    Clock::time_point last;
    if (!round.wait(&last)) {
      std::fprintf(stderr, "round %llu: not every reader arrived within 30 s\n", (unsigned long long)version);
      std::exit(1);
    }
    out->push_back(std::chrono::duration<double, std::milli>(last - t0).count());
  };
  for (int r = 0; r < a.rounds; ++r) {
    uint64_t version = static_cast<uint64_t>(r) + 2;
    run(
        floor_round, [&](const std::string& j) { publish(writer, floor_names, j, version); }, version, &floor_ms);
    run(
        omega_round, [&](const std::string& j) { publish(writer, omega_names, j, version); }, version, &omega_ms);
#ifdef OMEGA_BENCH_ETCD
    if (etcd)
      run(
          etcd_round, [&](const std::string& j) { etcd->put("omega/config", j); }, version, &etcd_ms);
#endif
  }

  Stats floor = Stats::of(floor_ms), ours = Stats::of(omega_ms), peer = Stats::of(etcd_ms);
  std::printf("propagation to the last of %d readers, %d keys (%zu bytes), %d rounds\n", a.readers, a.keys, json.size(),
              a.rounds);
  std::printf("  floor (hiredis + MGET + cJSON)  p50 %8.3f ms  p99 %8.3f ms\n", floor.p50, floor.p99);
  std::printf("  omega-config                    p50 %8.3f ms  p99 %8.3f ms\n", ours.p50, ours.p99);
  if (etcd_skipped.empty())
    std::printf("  etcd watch (gRPC + cJSON)       p50 %8.3f ms  p99 %8.3f ms\n", peer.p50, peer.p99);
  else
    std::printf("  etcd watch: skipped, %s\n", etcd_skipped.c_str());
  std::printf("  omega / floor p50 %.2fx\n", ours.p50 / floor.p50);
  if (a.json) {
    std::string etcd_json =
        etcd_skipped.empty() ? "\"etcd\":" + peer.json() : "\"etcd_skipped\":\"" + etcd_skipped + "\"";
    FILE* f = std::fopen(a.json, "a");
    std::fprintf(f,
                 "{\"bench\":\"propagation\",\"readers\":%d,\"keys\":%d,\"bytes\":%zu,\"rounds\":%d,"
                 "\"floor\":%s,\"omega\":%s,\"ratio_p50\":%.4f,%s}\n",
                 a.readers, a.keys, json.size(), a.rounds, floor.json().c_str(), ours.json().c_str(),
                 ours.p50 / floor.p50, etcd_json.c_str());
    std::fclose(f);
  }

#ifdef OMEGA_BENCH_ETCD
  watchers.clear();
  etcd.reset();
#endif
  for (auto* h : handles) omega_cfg_close(h);
  freeReplyObject(redisCommand(writer, "PUBLISH %s stop", floor_names.channel.c_str()));
  for (auto& t : floor_threads) t.join();
  redisFree(writer);
  return 0;
}
