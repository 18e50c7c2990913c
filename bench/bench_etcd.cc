#include "bench_etcd.h"

#include <cjson/cJSON.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "rpc.grpc.pb.h"

namespace pb = etcdserverpb;

namespace {

// A channel with its own TCP connection: gRPC would otherwise share one subchannel between
// channels to the same address, and N watchers would be N streams on one socket.
std::shared_ptr<grpc::Channel> own_channel(const std::string& endpoint) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  return grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args);
}

}  // namespace

struct EtcdServer::Client {
  std::unique_ptr<pb::KV::Stub> kv;
  bool try_put(const std::string& key, const std::string& value, std::string* error) {
    pb::PutRequest req;
    req.set_key(key);
    req.set_value(value);
    pb::PutResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::Status st = kv->Put(&ctx, req, &resp);
    if (!st.ok()) *error = st.error_message();
    return st.ok();
  }
};

bool EtcdServer::available() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/etcd";
    if (access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

EtcdServer::EtcdServer(std::string data_dir) : data_dir_(std::move(data_dir)), client_port_(free_port()) {
  int peer_port = free_port();
  while (peer_port == client_port_) peer_port = free_port();
  std::string client = "http://127.0.0.1:" + std::to_string(client_port_);
  std::string peer = "http://127.0.0.1:" + std::to_string(peer_port);
  // --max-request-bytes: room for a 10,000-key snapshot as one value (the default is 1.5 MiB).
  process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
      "etcd", "--data-dir", data_dir_, "--listen-client-urls", client, "--advertise-client-urls", client,
      "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "default=" + peer,
      "--max-request-bytes", "4194304"});
  process_->wait_port(client_port_);
  client_ = std::make_unique<Client>();
  client_->kv = pb::KV::NewStub(own_channel(endpoint()));
  // The port opens before the member has elected itself leader: the first put waits for that.
  std::string error;
  for (int i = 0; i < 100; ++i) {
    if (client_->try_put("bench/ready", "1", &error)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("etcd did not accept a put: " + error);
}

EtcdServer::~EtcdServer() {
  client_.reset();
  process_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(data_dir_, ignored);
}

void EtcdServer::put(const std::string& key, const std::string& value) {
  std::string error;
  if (!client_->try_put(key, value, &error)) {
    std::fprintf(stderr, "etcd put: %s\n", error.c_str());
    std::exit(1);
  }
}

struct EtcdWatcher::Stream {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pb::Watch::Stub> stub;
  grpc::ClientContext ctx;
  std::unique_ptr<grpc::ClientReaderWriter<pb::WatchRequest, pb::WatchResponse>> rw;
};

EtcdWatcher::EtcdWatcher(const std::string& endpoint, const std::string& key, std::function<void()> on_event)
    : stream_(std::make_unique<Stream>()) {
  stream_->channel = own_channel(endpoint);
  stream_->stub = pb::Watch::NewStub(stream_->channel);
  stream_->rw = stream_->stub->Watch(&stream_->ctx);
  pb::WatchRequest req;
  req.mutable_create_request()->set_key(key);
  if (!stream_->rw->Write(req)) throw std::runtime_error("etcd watch: the stream closed at once");
  // The first answer confirms the watch: events of every later revision will come.
  pb::WatchResponse first;
  if (!stream_->rw->Read(&first) || !first.created()) throw std::runtime_error("etcd watch was not created");
  created_ = true;
  thread_ = std::thread([this, on_event = std::move(on_event)] {
    pb::WatchResponse r;
    while (stream_->rw->Read(&r)) {
      if (r.events_size() == 0) continue;
      const std::string& value = r.events(r.events_size() - 1).kv().value();
      cJSON* parsed = cJSON_ParseWithLength(value.data(), value.size());
      on_event();
      cJSON_Delete(parsed);
    }
  });
}

EtcdWatcher::~EtcdWatcher() {
  stream_->ctx.TryCancel();
  thread_.join();
  stream_->rw->Finish();
}
