// What an open handle costs a process: resident memory, threads and file descriptors for 1,
// 100 and 1,000 handles open at once in one C process (each follows the same 200-key snapshot
// from a private redis-server), read from /proc/self/status and /proc/self/fd.
//
//   bench_handles [--counts 1,100,1000] [--keys 200] [--json FILE]
#include <dirent.h>
#include <omega_config.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "bench_redis.h"
#include "bench_round.h"

namespace {

// A field of /proc/self/status ("VmRSS", "Threads"), as its number (kB for sizes).
long status_field(const char* name) {
  FILE* f = std::fopen("/proc/self/status", "r");
  char line[256];
  long value = -1;
  size_t len = std::strlen(name);
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, name, len) == 0 && line[len] == ':') value = std::atol(line + len + 1);
  std::fclose(f);
  return value;
}

long open_fds() {
  long n = 0;
  DIR* d = opendir("/proc/self/fd");
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n - 1;  // the directory stream itself
}

struct Sample {
  long handles, rss_kb, threads, fds;
};

Sample sample(long handles) { return {handles, status_field("VmRSS"), status_field("Threads"), open_fds()}; }

}  // namespace

int main(int argc, char** argv) {
  std::vector<long> counts = {1, 100, 1000};
  int keys = 200;
  const char* json_path = nullptr;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--counts") {
      counts.clear();
      std::stringstream ss(argv[i + 1]);
      for (std::string item; std::getline(ss, item, ',');) counts.push_back(std::atol(item.c_str()));
    } else if (k == "--keys") {
      keys = std::atoi(argv[i + 1]);
    } else if (k == "--json") {
      json_path = argv[i + 1];
    }
  }
  raise_fd_limit();

  BenchRedis redis({"--maxclients", "20000"});
  std::string json = "{";
  for (int i = 0; i < keys; ++i) {
    char item[96];
    std::snprintf(item, sizeof item, "%s\"SETTING_KEY_%05d\":\"value-%05d-abcdefghijklmnop\"", i ? "," : "", i, i);
    json += item;
  }
  redis.publish(json + "}", 1);
  std::string url = redis.url();

  std::vector<Sample> samples = {sample(0)};  // the process with Redis started, no handle
  std::vector<omega_cfg*> handles;
  for (long target : counts) {
    while (static_cast<long>(handles.size()) < target) {
      omega_cfg_options o = OMEGA_CFG_OPTIONS_INIT;
      o.redis_url = url.c_str();
      omega_cfg* h;
      if (omega_cfg_open(&o, &h) != OMEGA_OK) {
        std::fprintf(stderr, "open #%zu: %s\n", handles.size() + 1, omega_last_error());
        return 1;
      }
      char buf[64];
      size_t len;
      omega_cfg_get(h, "SETTING_KEY_00000", buf, sizeof buf, &len);  // a first read, as a program would
      handles.push_back(h);
    }
    samples.push_back(sample(target));
  }

  const Sample& base = samples[0];
  std::printf("%8s %10s %9s %6s | per handle: %8s %7s %5s\n", "handles", "RSS kB", "threads", "fds", "RSS kB",
              "threads", "fds");
  FILE* f = json_path ? std::fopen(json_path, "a") : nullptr;
  for (const Sample& s : samples) {
    double per_rss = s.handles ? double(s.rss_kb - base.rss_kb) / double(s.handles) : 0;
    double per_threads = s.handles ? double(s.threads - base.threads) / double(s.handles) : 0;
    double per_fds = s.handles ? double(s.fds - base.fds) / double(s.handles) : 0;
    std::printf("%8ld %10ld %9ld %6ld | %20.1f %7.2f %5.2f\n", s.handles, s.rss_kb, s.threads, s.fds, per_rss,
                per_threads, per_fds);
    if (f)
      std::fprintf(f,
                   "{\"bench\":\"handles\",\"handles\":%ld,\"keys\":%d,\"rss_kb\":%ld,\"threads\":%ld,\"fds\":%ld,"
                   "\"per_handle_rss_kb\":%.2f,\"per_handle_threads\":%.3f,\"per_handle_fds\":%.3f}\n",
                   s.handles, keys, s.rss_kb, s.threads, s.fds, per_rss, per_threads, per_fds);
  }
  if (f) std::fclose(f);
  for (auto* h : handles) omega_cfg_close(h);
  return 0;
}
