// Percentiles of one benchmark series, and their JSON form for bench/results.
#pragma once
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

struct Stats {
  double p50 = 0, p90 = 0, p99 = 0, min = 0, max = 0;
  size_t n = 0;

  static Stats of(std::vector<double> v) {
    Stats s;
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    auto at = [&](double p) { return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5)]; };
    s.p50 = at(0.5);
    s.p90 = at(0.9);
    s.p99 = at(0.99);
    s.min = v.front();
    s.max = v.back();
    s.n = v.size();
    return s;
  }

  std::string json() const {
    char buf[200];
    std::snprintf(buf, sizeof buf, "{\"p50\":%.4f,\"p90\":%.4f,\"p99\":%.4f,\"min\":%.4f,\"max\":%.4f,\"n\":%zu}", p50,
                  p90, p99, min, max, n);
    return buf;
  }
};
