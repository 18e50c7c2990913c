// Counters and the text exposition (https://prometheus.io/docs/instrumenting/exposition_formats/).
#include "metrics.h"

#include <cstdio>

namespace omega::settingsd {
namespace {
const double kBounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0};
}

void Metrics::count_patch(const std::string &outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  ++patches_[outcome];
}

void Metrics::count_rollback(const std::string &outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  ++rollbacks_[outcome];
}

void Metrics::count_mutation(const std::string &action, const std::string &outcome) {
  if (action == "rollback") count_rollback(outcome);
  else count_patch(outcome);
}

void Metrics::count_http(int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++http_[status];
}

void Metrics::observe_publish(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int i = 0; i < kBuckets; ++i)
    if (seconds <= kBounds[i]) ++publish_buckets_[i];
  ++publish_count_;
  publish_sum_ += seconds;
}

std::string Metrics::render(bool audit_up) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  char buf[256];
  out += "# HELP omega_settingsd_patches_total Patch requests by outcome.\n# TYPE omega_settingsd_patches_total counter\n";
  for (const char *o : {"applied", "noop", "invalid", "bad_request", "unauthorized", "forbidden", "conflict",
                        "too_large", "unavailable"}) {
    auto it = patches_.find(o);
    snprintf(buf, sizeof buf, "omega_settingsd_patches_total{outcome=\"%s\"} %llu\n", o,
             (unsigned long long)(it == patches_.end() ? 0 : it->second));
    out += buf;
  }
  out += "# HELP omega_settingsd_rollbacks_total Rollback requests that reached the writer, by outcome.\n# TYPE omega_settingsd_rollbacks_total counter\n";
  for (const char *o : {"applied", "noop", "invalid", "conflict", "unavailable", "error"}) {
    auto it = rollbacks_.find(o);
    snprintf(buf, sizeof buf, "omega_settingsd_rollbacks_total{outcome=\"%s\"} %llu\n", o,
             (unsigned long long)(it == rollbacks_.end() ? 0 : it->second));
    out += buf;
  }
  out += "# HELP omega_settingsd_http_responses_total HTTP responses by status code.\n# TYPE omega_settingsd_http_responses_total counter\n";
  for (const auto &[code, n] : http_) {
    snprintf(buf, sizeof buf, "omega_settingsd_http_responses_total{code=\"%d\"} %llu\n", code, (unsigned long long)n);
    out += buf;
  }
  out += "# HELP omega_settingsd_config_version Version of the published snapshot.\n# TYPE omega_settingsd_config_version gauge\n";
  out += "omega_settingsd_config_version " + std::to_string(version_.load()) + "\n";
  out += "# HELP omega_settingsd_publish_seconds Time to publish a snapshot to Redis (WATCH/MULTI/EXEC).\n# TYPE omega_settingsd_publish_seconds histogram\n";
  for (int i = 0; i < kBuckets; ++i) {
    snprintf(buf, sizeof buf, "omega_settingsd_publish_seconds_bucket{le=\"%g\"} %llu\n", kBounds[i],
             (unsigned long long)publish_buckets_[i]);
    out += buf;
  }
  snprintf(buf, sizeof buf,
           "omega_settingsd_publish_seconds_bucket{le=\"+Inf\"} %llu\nomega_settingsd_publish_seconds_sum %.9f\n"
           "omega_settingsd_publish_seconds_count %llu\n",
           (unsigned long long)publish_count_, publish_sum_, (unsigned long long)publish_count_);
  out += buf;
  out += "# HELP omega_settingsd_redis_up 1 when the last Redis operation succeeded.\n# TYPE omega_settingsd_redis_up gauge\n";
  out += std::string("omega_settingsd_redis_up ") + (redis_up_ ? "1" : "0") + "\n";
  out += "# HELP omega_settingsd_write_conflict 1 while Redis holds a newer version that this writer did not publish.\n# TYPE omega_settingsd_write_conflict gauge\n";
  out += std::string("omega_settingsd_write_conflict ") + (write_conflict_ ? "1" : "0") + "\n";
  out += "# HELP omega_settingsd_audit_up 1 when the audit log is writable.\n# TYPE omega_settingsd_audit_up gauge\n";
  out += std::string("omega_settingsd_audit_up ") + (audit_up ? "1" : "0") + "\n";
  return out;
}

}  // namespace omega::settingsd
