// Prometheus text-format metrics: patches by outcome, HTTP answers by status, current
// version, publish latency histogram, Redis up, audit up, rollbacks by outcome, write conflict.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace omega::settingsd {

class Metrics {
 public:
  void count_patch(const std::string &outcome);
  // Rollbacks have their own counter so patches_total counts patches only.
  void count_rollback(const std::string &outcome);
  // "rollback" -> count_rollback, anything else -> count_patch.
  void count_mutation(const std::string &action, const std::string &outcome);
  void count_http(int status);
  void observe_publish(double seconds);
  void set_version(uint64_t v) { version_ = v; }
  void set_redis_up(bool up) { redis_up_ = up; }
  bool redis_up() const { return redis_up_; }
  // Set while Redis holds a version above this writer's that it did not publish.
  void set_write_conflict(bool c) { write_conflict_ = c; }
  bool write_conflict() const { return write_conflict_; }
  // audit_up is read from the audit log when rendering.
  std::string render(bool audit_up) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> patches_;
  std::map<std::string, uint64_t> rollbacks_;
  std::map<int, uint64_t> http_;
  static constexpr int kBuckets = 10;
  uint64_t publish_buckets_[kBuckets] = {};
  uint64_t publish_count_ = 0;
  double publish_sum_ = 0;
  std::atomic<uint64_t> version_{0};
  std::atomic<bool> redis_up_{false};
  std::atomic<bool> write_conflict_{false};
};

}  // namespace omega::settingsd
