// Reload CPU per reader, by snapshot size, split into the core's steps, against the floor in
// the same run (cJSON_Parse + cJSON_Delete of the same bytes). Fetch (the network round trip)
// is what bench_propagation measures; this is the CPU a reader spends once the bytes are in.
//
//   bench_reload_cpu [--keys 200,2000,10000] [--json FILE] [--calls N]
//
// Steps, as Reader::offer runs them: verify (meta decode, version, sha256 of the bytes) ->
// parse+index (Snapshot::parse: strict JSON, entries, case-insensitive index) -> diff
// (changed_since the previous version) -> install (Cache::publish).
#include <cjson/cJSON.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "cache.h"
#include "digest.h"
#include "fetch.h"
#include "snapshot.h"
#include "wire_format.h"

using Clock = std::chrono::steady_clock;

namespace {

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

int fixed_calls = 0;  // --calls N: exactly N calls per step (for callgrind's instruction counts)

// Microseconds per call: the median of 7 batches, each of at least 20 ms.
double us_per_call(const std::function<void()>& f) {
  if (fixed_calls > 0) {
    auto t0 = Clock::now();
    for (int i = 0; i < fixed_calls; ++i) f();
    return std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / fixed_calls;
  }
  int per_batch = 1;
  for (;;) {
    auto t0 = Clock::now();
    for (int i = 0; i < per_batch; ++i) f();
    if (Clock::now() - t0 > std::chrono::milliseconds(20)) break;
    per_batch *= 2;
  }
  std::vector<double> batches;
  for (int b = 0; b < 7; ++b) {
    auto t0 = Clock::now();
    for (int i = 0; i < per_batch; ++i) f();
    batches.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / per_batch);
  }
  std::sort(batches.begin(), batches.end());
  return batches[3];
}

std::vector<int> parse_sizes(const char* list) {
  std::vector<int> out;
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(std::atoi(item.c_str()));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes = {200, 2000, 10000};
  const char* json_path = nullptr;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--keys")
      sizes = parse_sizes(argv[i + 1]);
    else if (k == "--json")
      json_path = argv[i + 1];
    else if (k == "--calls")
      fixed_calls = std::atoi(argv[i + 1]);
  }
  std::printf("%-8s %9s | %9s | %8s %12s %8s %8s %9s | %6s\n", "keys", "bytes", "floor us", "verify", "parse+index",
              "diff", "install", "total us", "ratio");
  for (int keys : sizes) {
    std::string before = snapshot_json(keys, 1), raw = snapshot_json(keys, 2);
    std::string meta = omega::wire::encode_meta(2, "benchepoch", omega::sha256_hex(raw), "2026-01-01T00:00:00Z", "b");
    auto prev = omega::Snapshot::parse(before, 1, "benchepoch");
    auto next = omega::Snapshot::parse(raw, 2, "benchepoch");
    omega::Cache cache(prev);

    double floor = us_per_call([&] { cJSON_Delete(cJSON_Parse(raw.c_str())); });
    double verify = us_per_call([&] {
      omega::Published p;
      p.raw = raw;
      omega::check_published(&p, "2", &meta, 1 << 30);
      if (!p.error.empty()) std::abort();
    });
    double copy = us_per_call([&] { std::string copy = raw; });  // verify's copy of raw, not the reader's
    verify -= copy;
    double parse = us_per_call([&] { omega::Snapshot::parse(raw, 2, "benchepoch"); });
    double diff = us_per_call([&] { next->changed_since(*prev); });
    double install = us_per_call([&] { cache.publish(next); });
    double total = verify + parse + diff + install;
    std::printf("%-8d %9zu | %9.1f | %8.1f %12.1f %8.1f %8.2f %9.1f | %5.2fx\n", keys, raw.size(), floor, verify, parse,
                diff, install, total, total / floor);
    if (json_path) {
      FILE* f = std::fopen(json_path, "a");
      std::fprintf(f,
                   "{\"bench\":\"reload_cpu\",\"keys\":%d,\"bytes\":%zu,\"floor_us\":%.3f,\"verify_us\":%.3f,"
                   "\"parse_index_us\":%.3f,\"diff_us\":%.3f,\"install_us\":%.3f,\"total_us\":%.3f,\"ratio\":%.4f}\n",
                   keys, raw.size(), floor, verify, parse, diff, install, total, total / floor);
      std::fclose(f);
    }
  }
  return 0;
}
