// Counters and the text exposition (https://prometheus.io/docs/instrumenting/exposition_formats/).
#include "service/metrics.h"

#include <cstdio>
#include <ctime>

namespace omega::settingsd {
namespace {

const double kBounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0};

// Every outcome is rendered, zero or not, so dashboards and alerts see the series exist.
const char* const kOutcomes[] = {"applied",  "noop",      "invalid",   "bad_request", "unauthorized", "forbidden",
                                 "conflict", "too_large", "not_found", "unavailable", "error"};

struct Family {
  const char* action;
  const char* name;
  const char* help;
};
const Family kFamilies[] = {
    {"patch", "omega_settingsd_patches_total", "Patch requests by outcome."},
    {"rollback", "omega_settingsd_rollbacks_total", "Rollback requests by outcome."},
    {"reload", "omega_settingsd_reloads_total", "Reload requests by outcome."},
    {"revert", "omega_settingsd_reverts_total", "Scheduled reverts of temporary changes by outcome."},
};

void header(std::string* out, const char* name, const char* type, const char* help) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

void Histogram::observe(double seconds) {
  for (int i = 0; i < kBuckets; ++i)
    if (seconds <= kBounds[i]) ++buckets_[i];
  ++count_;
  sum_ += seconds;
}

void Histogram::render(const std::string& name, const std::string& labels, std::string* out) const {
  char buf[256];
  std::string sep = labels.empty() ? "" : labels + ",";
  for (int i = 0; i < kBuckets; ++i) {
    snprintf(buf, sizeof buf, "%s_bucket{%sle=\"%g\"} %llu\n", name.c_str(), sep.c_str(), kBounds[i],
             static_cast<unsigned long long>(buckets_[i]));
    *out += buf;
  }
  std::string braces = labels.empty() ? "" : "{" + labels + "}";
  snprintf(buf, sizeof buf, "%s_bucket{%sle=\"+Inf\"} %llu\n%s_sum%s %.9f\n%s_count%s %llu\n", name.c_str(),
           sep.c_str(), static_cast<unsigned long long>(count_), name.c_str(), braces.c_str(), sum_, name.c_str(),
           braces.c_str(), static_cast<unsigned long long>(count_));
  *out += buf;
}

void Metrics::set_version(uint64_t v) {
  if (version_.exchange(v) == v) return;
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  last_change_ = static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

void Metrics::count_mutation(const std::string& action, const std::string& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  ++mutations_[action][outcome];
}

void Metrics::count_http(int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++http_[status];
}

void Metrics::observe_publish(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  publish_.observe(seconds);
}

void Metrics::observe_phase(const std::string& phase, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  phases_[phase].observe(seconds);
}

std::string Metrics::render(bool audit_up, const ReadersGauge& readers) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  char buf[256];
  header(&out, "omega_settingsd_build_info", "gauge", "The running build: its version in a label, value 1.");
  out += std::string("omega_settingsd_build_info{version=\"") + OMEGA_SETTINGSD_VERSION + "\"} 1\n";
  for (const Family& f : kFamilies) {
    header(&out, f.name, "counter", f.help);
    auto counts = mutations_.find(f.action);
    for (const char* o : kOutcomes) {
      uint64_t n = 0;
      if (counts != mutations_.end()) {
        auto it = counts->second.find(o);
        if (it != counts->second.end()) n = it->second;
      }
      snprintf(buf, sizeof buf, "%s{outcome=\"%s\"} %llu\n", f.name, o, static_cast<unsigned long long>(n));
      out += buf;
    }
  }
  header(&out, "omega_settingsd_http_responses_total", "counter", "HTTP responses by status code.");
  for (const auto& [code, n] : http_) {
    snprintf(buf, sizeof buf, "omega_settingsd_http_responses_total{code=\"%d\"} %llu\n", code,
             static_cast<unsigned long long>(n));
    out += buf;
  }
  header(&out, "omega_settingsd_config_version", "gauge", "Version of the published snapshot.");
  out += "omega_settingsd_config_version " + std::to_string(version_.load()) + "\n";
  header(&out, "omega_settingsd_last_change_timestamp_seconds", "gauge",
         "When the current version became current (unix seconds).");
  snprintf(buf, sizeof buf, "omega_settingsd_last_change_timestamp_seconds %.3f\n", last_change_.load());
  out += buf;
  header(&out, "omega_settingsd_publish_seconds", "histogram", "Time to publish a snapshot to Redis (MULTI/EXEC).");
  publish_.render("omega_settingsd_publish_seconds", "", &out);
  header(&out, "omega_settingsd_mutation_phase_seconds", "histogram",
         "Time spent in each step of a mutation: validate, watch, sync (audit, mark, .env temp), rename, publish.");
  for (const auto& [phase, h] : phases_)
    h.render("omega_settingsd_mutation_phase_seconds", "phase=\"" + phase + "\"", &out);
  header(&out, "omega_settingsd_redis_up", "gauge", "1 when the last Redis operation succeeded.");
  out += std::string("omega_settingsd_redis_up ") + (redis_up_ ? "1" : "0") + "\n";
  header(&out, "omega_settingsd_write_conflict", "gauge",
         "1 while Redis holds a newer version that this writer did not publish.");
  out += std::string("omega_settingsd_write_conflict ") + (write_conflict_ ? "1" : "0") + "\n";
  header(&out, "omega_settingsd_audit_up", "gauge", "1 when the audit log is writable.");
  out += std::string("omega_settingsd_audit_up ") + (audit_up ? "1" : "0") + "\n";
  if (readers.known) {
    header(&out, "omega_settingsd_readers", "gauge",
           "Readers connected to Redis (primary and replicas), by the version and state they name.");
    for (const auto& [key, n] : readers.counts) {
      snprintf(buf, sizeof buf, "omega_settingsd_readers{version=\"%llu\",state=\"%s\"} %d\n",
               static_cast<unsigned long long>(key.first), key.second.c_str(), n);
      out += buf;
    }
    header(&out, "omega_settingsd_unnamed_subscribers", "gauge",
           "Subscribers on Redis that did not name themselves as omega readers.");
    out += "omega_settingsd_unnamed_subscribers " + std::to_string(readers.unnamed_subscribers) + "\n";
  }
  return out;
}

}  // namespace omega::settingsd
