// omega_cfg_get against its floor, a plain std::unordered_map lookup + copy,
// with 1 and 2 threads, in one run. A 200-key snapshot, 20-character keys.
#include <benchmark/benchmark.h>
#include <omega_config.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench_redis.h"

namespace {

std::vector<std::string> keys;  // 20 characters each
std::unordered_map<std::string, std::string> floor_map;
omega_cfg* cfg = nullptr;
std::shared_ptr<const std::unordered_map<std::string, std::string>> shared_map;

void make_data() {
  std::string json = "{";
  for (int i = 0; i < 200; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "SERVICE_SETTING_%04d", i);  // 20 chars
    std::string value = "value-" + std::to_string(i * 7919) + "-abcdefghij";
    keys.push_back(key);
    floor_map[key] = value;
    json += (i ? ",\"" : "\"") + std::string(key) + "\":\"" + value + "\"";
  }
  json += "}";
  shared_map = std::make_shared<const std::unordered_map<std::string, std::string>>(floor_map);
  static BenchRedis redis;  // lives until exit
  redis.publish(json, 1);
  omega_cfg_options o = OMEGA_CFG_OPTIONS_INIT;
  std::string url = redis.url();
  o.redis_url = url.c_str();
  if (omega_cfg_open(&o, &cfg) != OMEGA_OK) {
    std::fprintf(stderr, "open: %s\n", omega_last_error());
    std::exit(1);
  }
}

// The floor: std::unordered_map::find with a prebuilt std::string key (no
// per-read string construction, no case folding) plus the copy out.
void BM_floor_unordered_map(benchmark::State& state) {
  char buf[128];
  size_t i = state.thread_index() * 37;
  for (auto _ : state) {
    const std::string& k = keys[i++ % keys.size()];
    auto it = floor_map.find(k);
    std::memcpy(buf, it->second.c_str(), it->second.size() + 1);
    benchmark::DoNotOptimize(buf);
  }
}

// The trap: every read loads a shared std::shared_ptr atomically (C++17's
// std::atomic_load, which takes a lock from a global pool, as C++20's
// std::atomic<std::shared_ptr> does in libstdc++ 12), then looks up.

void BM_trap_atomic_shared_ptr(benchmark::State& state) {
  char buf[128];
  size_t i = state.thread_index() * 37;
  for (auto _ : state) {
    auto map = std::atomic_load(&shared_map);
    auto it = map->find(keys[i++ % keys.size()]);
    std::memcpy(buf, it->second.c_str(), it->second.size() + 1);
    benchmark::DoNotOptimize(buf);
  }
}

void BM_omega_cfg_get(benchmark::State& state) {
  char buf[128];
  size_t len;
  size_t i = state.thread_index() * 37;
  for (auto _ : state) {
    const char* k = keys[i++ % keys.size()].c_str();
    if (omega_cfg_get(cfg, k, buf, sizeof buf, &len) != OMEGA_OK) state.SkipWithError("get failed");
    benchmark::DoNotOptimize(buf);
  }
}

void BM_omega_cfg_get_lowercase(benchmark::State& state) {
  std::vector<std::string> lower;
  for (auto k : keys) {
    for (auto& c : k) c = static_cast<char>(std::tolower(c));
    lower.push_back(k);
  }
  char buf[128];
  size_t len;
  size_t i = state.thread_index() * 37;
  for (auto _ : state) {
    if (omega_cfg_get(cfg, lower[i++ % lower.size()].c_str(), buf, sizeof buf, &len) != OMEGA_OK)
      state.SkipWithError("get failed");
    benchmark::DoNotOptimize(buf);
  }
}

void BM_omega_snapshot_get(benchmark::State& state) {
  omega_snapshot* snap;
  omega_cfg_snapshot(cfg, &snap);
  const char* v;
  size_t len;
  size_t i = state.thread_index() * 37;
  for (auto _ : state) {
    omega_snapshot_get(snap, keys[i++ % keys.size()].c_str(), &v, &len);
    benchmark::DoNotOptimize(v);
  }
  omega_snapshot_release(snap);
}

void BM_omega_cfg_get_int64_type_error(benchmark::State& state) {
  int64_t out;
  for (auto _ : state) benchmark::DoNotOptimize(omega_cfg_get_int64(cfg, keys[0].c_str(), &out));
}

}  // namespace

BENCHMARK(BM_floor_unordered_map)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_trap_atomic_shared_ptr)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_omega_cfg_get)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_omega_cfg_get_lowercase)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_omega_snapshot_get)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_omega_cfg_get_int64_type_error)->Threads(1);

int main(int argc, char** argv) {
  make_data();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  omega_cfg_close(cfg);
  return 0;
}
