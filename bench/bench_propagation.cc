// Propagation: from the start of the writer's MULTI/EXEC to the reload callback of the last of
// N readers, against the floor in the same process and run: N bare hiredis subscribers that,
// on each message, MGET the three keys on their own connection and cJSON_Parse the snapshot.
// Rounds alternate floor / omega-config so that both see the same machine load.
//
//   bench_propagation --readers N --keys K [--rounds R] [--json FILE]
//
// The writer publishes as omega-settingsd does: snapshot, version, meta (with the snapshot's
// sha256, which omega-config readers verify) and the message, in one MULTI/EXEC; one setting
// changes per round.
#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>
#include <omega_config.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_redis.h"
#include "bench_stats.h"
#include "digest.h"
#include "wire_format.h"

using Clock = std::chrono::steady_clock;
namespace wire = omega::wire;

namespace {

// The last reader's completion time of the round in flight.
class Round {
 public:
  void begin(int expected) {
    std::lock_guard<std::mutex> lock(mu_);
    expected_ = expected;
    done_ = 0;
    last_ = Clock::time_point{};
  }
  void arrived() {
    auto now = Clock::now();
    std::lock_guard<std::mutex> lock(mu_);
    last_ = std::max(last_, now);
    if (++done_ == expected_) cv_.notify_all();
  }
  // false: not every reader arrived within the deadline.
  bool wait(Clock::time_point* last) {
    std::unique_lock<std::mutex> lock(mu_);
    bool all = cv_.wait_for(lock, std::chrono::seconds(30), [&] { return done_ == expected_; });
    *last = last_;
    return all;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int expected_ = 0, done_ = 0;
  Clock::time_point last_;
};

Round floor_round, omega_round;

std::string snapshot_json(int keys, int round) {
  std::string json = "{";
  for (int i = 0; i < keys; ++i) {
    char item[96];
    std::snprintf(item, sizeof item, "%s\"SETTING_KEY_%05d\":\"value-%05d-abcdefghijklmnop-%d\"", i ? "," : "", i, i,
                  i == round % keys ? round : 0);
    json += item;
  }
  return json + "}";
}

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
    else {
      std::fprintf(stderr, "usage: bench_propagation --readers N --keys K [--rounds R] [--json FILE]\n");
      std::exit(2);
    }
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;  // two connections per reader, both sides
  setrlimit(RLIMIT_NOFILE, &nofile);

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
  while (subscribed < a.readers) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // every omega subscriber is in

  std::vector<double> floor_ms, omega_ms;
  auto run = [&](Round& round, const wire::Names& names, uint64_t version, std::vector<double>* out) {
    std::string next = snapshot_json(a.keys, static_cast<int>(version));
    round.begin(a.readers);
    auto t0 = Clock::now();
    publish(writer, names, next, version);
    Clock::time_point last;
    if (!round.wait(&last)) {
      std::fprintf(stderr, "round %llu: not every reader arrived within 30 s\n", (unsigned long long)version);
      std::exit(1);
    }
    out->push_back(std::chrono::duration<double, std::milli>(last - t0).count());
  };
  for (int r = 0; r < a.rounds; ++r) {
    uint64_t version = static_cast<uint64_t>(r) + 2;
    run(floor_round, floor_names, version, &floor_ms);
    run(omega_round, omega_names, version, &omega_ms);
  }

  Stats floor = Stats::of(floor_ms), ours = Stats::of(omega_ms);
  std::printf("propagation to the last of %d readers, %d keys (%zu bytes), %d rounds\n", a.readers, a.keys, json.size(),
              a.rounds);
  std::printf("  floor (hiredis + MGET + cJSON)  p50 %8.3f ms  p99 %8.3f ms\n", floor.p50, floor.p99);
  std::printf("  omega-config                    p50 %8.3f ms  p99 %8.3f ms\n", ours.p50, ours.p99);
  std::printf("  ratio p50 %.2fx\n", ours.p50 / floor.p50);
  if (a.json) {
    FILE* f = std::fopen(a.json, "a");
    std::fprintf(f,
                 "{\"bench\":\"propagation\",\"readers\":%d,\"keys\":%d,\"bytes\":%zu,\"rounds\":%d,"
                 "\"floor\":%s,\"omega\":%s,\"ratio_p50\":%.4f}\n",
                 a.readers, a.keys, json.size(), a.rounds, floor.json().c_str(), ours.json().c_str(),
                 ours.p50 / floor.p50);
    std::fclose(f);
  }

  for (auto* h : handles) omega_cfg_close(h);
  freeReplyObject(redisCommand(writer, "PUBLISH %s stop", floor_names.channel.c_str()));
  for (auto& t : floor_threads) t.join();
  redisFree(writer);
  return 0;
}
