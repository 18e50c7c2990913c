// What the propagation benchmarks share: a round of N readers, timed to the last arrival, and
// enough file descriptors for thousands of connections.
#pragma once
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

// The last reader's completion time of the round in flight.
class Round {
 public:
  using Clock = std::chrono::steady_clock;

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
  // false: not every reader arrived within 30 s.
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

// Raises the soft descriptor limit to the hard one: each reader holds two connections.
inline void raise_fd_limit() {
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  setrlimit(RLIMIT_NOFILE, &nofile);
}
