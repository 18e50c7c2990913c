// etcd as the peer in the propagation benchmarks: a private etcd 3.4 server on loopback, its
// durable put, and watchers on its native gRPC Watch API, each on its own connection (as N
// separate processes would be), like the N Redis readers they are compared with.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "bench_process.h"

class EtcdServer {
 public:
  // Starts etcd with its data (WAL and backend) under data_dir, which it removes when stopped.
  // etcd fsyncs its WAL on every put; a data_dir on tmpfs makes that fsync free.
  explicit EtcdServer(std::string data_dir);
  ~EtcdServer();
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(client_port_); }
  // The durable put of value at key (returns when etcd answered); exits the program on error.
  void put(const std::string& key, const std::string& value);
  // Whether an etcd binary is on PATH; the benchmarks skip the etcd column without one.
  static bool available();

 private:
  struct Client;
  std::string data_dir_;
  int client_port_;
  std::unique_ptr<ChildProcess> process_;
  std::unique_ptr<Client> client_;
};

// One watcher of one key on its own gRPC channel and thread. Every event's value is parsed
// with cJSON (what the bare Redis subscriber does with the snapshot) before on_event runs.
class EtcdWatcher {
 public:
  EtcdWatcher(const std::string& endpoint, const std::string& key, std::function<void()> on_event);
  ~EtcdWatcher();  // cancels the stream and joins the thread
  bool created() const { return created_; }

 private:
  struct Stream;
  std::unique_ptr<Stream> stream_;
  std::atomic<bool> created_{false};
  std::thread thread_;
};
