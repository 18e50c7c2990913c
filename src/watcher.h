// The background thread of a handle: where reloads happen.
//
// It subscribes to the channel, then reads the snapshot (so no publish can
// fall between the two), and from then on waits in poll() for: a message (a
// hint: fetch again, coalescing a burst into one fetch), the heartbeat tick
// (PING on the subscriber connection: a silent partition shows as a missing
// PONG), the backstop tick (compare version + meta; fetch if they changed),
// and the wake fd (close). Any connection failure drops both connections and
// reconnects with capped exponential backoff and jitter, re-applying AUTH,
// SELECT and SUBSCRIBE from scratch.
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "client_name.h"
#include "node_choice.h"
#include "redis_connection.h"

namespace omega {

class Reader;

class Watcher {
 public:
  explicit Watcher(Reader& reader);
  ~Watcher();  // stops
  void start();
  // Wakes the thread and joins it; prompt whatever Redis is doing.
  void stop();

 private:
  void run();
  void serve(bool& connected);  // one connection's life; ends only by exception
  // Fetches and offers what Redis holds. Connects cmd again when the fetch had to abandon it
  // (an oversized snapshot left unread).
  void sync(std::unique_ptr<redis::Connection>& cmd);
  // Names cmd after the applied version and state, when they changed (best effort, without
  // waiting for the answer: a reload costs no extra round trip).
  void name_reader(redis::Connection& cmd);
  void sleep(std::chrono::milliseconds d);  // throws Stopped on wake

  Reader& reader_;
  int wake_fd_ = -1;
  std::thread thread_;
  bool first_attempt_ = true;
  std::string applied_fingerprint_;  // what the last fetch saw
  ClientNamer namer_;
  redis::Route route_;  // cluster: the routing key, and the node a MOVED reply named
  int redirects_in_a_row_ = 0;
  bool on_fallback_ = false;     // Sentinel: reading from the primary because no replica was healthy
  std::string named_as_;         // the command connection's current name
  bool naming_refused_ = false;  // the Redis user may not CLIENT SETNAME: stop asking
  std::minstd_rand rng_{std::random_device{}()};
};

}  // namespace omega
