// Prometheus text-format metrics. Mutations are counted once, by the HTTP layer, from the
// route and the answer (http/routes.cc); the writer reports versions, Redis health and
// latencies.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace omega::settingsd {

// A latency histogram with fixed bounds (seconds).
class Histogram {
 public:
  void observe(double seconds);
  // Appends the _bucket/_sum/_count lines; labels: "" or `phase="x"`.
  void render(const std::string& name, const std::string& labels, std::string* out) const;

 private:
  static constexpr int kBuckets = 10;
  uint64_t buckets_[kBuckets] = {};
  uint64_t count_ = 0;
  double sum_ = 0;
};

// The readers Redis knows, by version and state (GET /metrics asks Redis when scraped).
struct ReadersGauge {
  bool known = false;  // false: the primary could not be asked; no series are rendered
  std::map<std::pair<uint64_t, std::string>, int> counts;
  int unnamed_subscribers = 0;
};

class Metrics {
 public:
  // action: patch | reload | rollback | revert (a scheduled revert); outcome: applied, noop, invalid, bad_request,
  // unauthorized, forbidden, conflict, too_large, not_found, unavailable, error.
  void count_mutation(const std::string& action, const std::string& outcome);
  void count_http(int status);
  void observe_publish(double seconds);
  // One step of the mutation pipeline: validate, watch, sync, rename, publish.
  void observe_phase(const std::string& phase, double seconds);
  // A new version became current (published, adopted or re-seeded).
  void set_version(uint64_t v);
  void set_redis_up(bool up) { redis_up_ = up; }
  bool redis_up() const { return redis_up_; }
  // Set while Redis holds a version above this writer's that it did not publish.
  void set_write_conflict(bool c) { write_conflict_ = c; }
  bool write_conflict() const { return write_conflict_; }
  // audit_up is read from the audit log when rendering; readers from Redis.
  std::string render(bool audit_up, const ReadersGauge& readers = {}) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, uint64_t>> mutations_;  // action -> outcome -> n
  std::map<int, uint64_t> http_;
  Histogram publish_;
  std::map<std::string, Histogram> phases_;
  std::atomic<uint64_t> version_{0};
  std::atomic<double> last_change_{0};  // unix seconds
  std::atomic<bool> redis_up_{false};
  std::atomic<bool> write_conflict_{false};
};

}  // namespace omega::settingsd
