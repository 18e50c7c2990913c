// Reload of a 10,000-key snapshot, end to end: writer EXEC -> callback ran
// (fetch + sha-less parse + index + diff + install), against the floor in the
// same run: one redis GET of the same bytes (the fetch alone).
#include <hiredis/hiredis.h>
#include <omega_config.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "bench_redis.h"

using Clock = std::chrono::steady_clock;

namespace {

std::mutex mu;
std::condition_variable cv;
int64_t seen_version = 0;

void on_reload(int64_t version, const char* const*, size_t, const omega_snapshot*, void*) {
  std::lock_guard<std::mutex> lock(mu);
  seen_version = version;
  cv.notify_all();
}

// Keys in order (as omega-settingsd writes them) or in a scrambled order (as
// a plain writer may), which costs the reader a sort.
std::string snapshot_json(int round, bool scrambled) {
  std::string json = "{";
  for (int n = 0; n < 10000; ++n) {
    int i = scrambled ? (n * 7919) % 10000 : n;
    char item[96];
    std::snprintf(item, sizeof item, "%s\"SETTING_KEY_%05d\":\"value-%d-%d\"", n ? "," : "", i, i,
                  i % 97 == 0 ? round : 0);
    json += item;
  }
  return json + "}";
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * (v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  BenchRedis redis;
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 100;
  const bool scrambled = argc > 2 && std::string(argv[2]) == "scrambled";
  redis.publish(snapshot_json(0, scrambled), 1);
  omega_cfg_options o = OMEGA_CFG_OPTIONS_INIT;
  std::string url = redis.url();
  o.redis_url = url.c_str();
  omega_cfg* cfg;
  if (omega_cfg_open(&o, &cfg) != OMEGA_OK) {
    std::fprintf(stderr, "open: %s\n", omega_last_error());
    return 1;
  }
  uint64_t token;
  omega_cfg_on_reload(cfg, on_reload, nullptr, nullptr, &token);
  redisContext* c = redisConnect("127.0.0.1", redis.port());

  std::vector<double> reload_ms, get_ms;
  std::string json;
  for (int r = 1; r <= rounds; ++r) {
    json = snapshot_json(r, scrambled);
    auto t0 = Clock::now();
    redis.publish(json, r + 1);
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return seen_version == r + 1; });
    }
    reload_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());

    auto t1 = Clock::now();
    freeReplyObject(redisCommand(c, "GET omega:config"));
    get_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t1).count());
  }
  std::printf("snapshot: 10000 keys (%s), %zu bytes, %d reloads\n", scrambled ? "scrambled order" : "in key order",
              json.size(), rounds);
  std::printf("%-34s p50 %7.3f ms  p99 %7.3f ms\n", "reload (EXEC -> callback done)", percentile(reload_ms, 0.5),
              percentile(reload_ms, 0.99));
  std::printf("%-34s p50 %7.3f ms  p99 %7.3f ms\n", "floor: one GET of the same bytes", percentile(get_ms, 0.5),
              percentile(get_ms, 0.99));
  std::printf("ratio p50: %.1fx\n", percentile(reload_ms, 0.5) / percentile(get_ms, 0.5));
  redisFree(c);
  omega_cfg_close(cfg);
  return 0;
}
