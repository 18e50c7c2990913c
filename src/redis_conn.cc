#include "redis_conn.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace omega {

void ReplyDeleter::operator()(redisReply* r) const { freeReplyObject(r); }

RedisConn::RedisConn(const RedisEndpoint& ep, int wake_fd, Clock::time_point deadline)
    : wake_fd_(wake_fd), where_(ep.describe()) {
  c_ = ep.is_unix ? redisConnectUnixNonBlock(ep.path.c_str()) : redisConnectNonBlock(ep.host.c_str(), ep.port);
  if (c_ == nullptr) throw ConnError("cannot allocate a Redis context");
  if (c_->err) {
    std::string msg = "cannot connect to " + where_ + ": " + c_->errstr;
    redisFree(c_);
    c_ = nullptr;
    throw ConnError(msg);
  }
  try {
    wait(POLLOUT, deadline, "connect");
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c_->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
      throw ConnError("cannot connect to " + where_ + ": " + std::strerror(err ? err : errno));
    if (!ep.is_unix) redisEnableKeepAlive(c_);
    if (!ep.password.empty()) {
      std::vector<std::string> auth = {"AUTH"};
      if (!ep.user.empty()) auth.push_back(ep.user);
      auth.push_back(ep.password);
      Reply r = command(auth, deadline);
      if (r->type == REDIS_REPLY_ERROR) throw ConnError("Redis at " + where_ + " refused AUTH: " + r->str);
    }
    if (ep.db != 0) {
      Reply r = command({"SELECT", std::to_string(ep.db)}, deadline);
      if (r->type == REDIS_REPLY_ERROR) throw ConnError("Redis at " + where_ + " refused SELECT: " + r->str);
    }
  } catch (...) {
    redisFree(c_);
    c_ = nullptr;
    throw;
  }
}

RedisConn::~RedisConn() {
  if (c_) redisFree(c_);
}

int RedisConn::fd() const { return c_->fd; }

void RedisConn::wait(short events, Clock::time_point deadline, const char* what) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) throw ConnError(std::string("timed out waiting for Redis at ") + where_ + " (" + what + ")");
    struct pollfd p[2] = {{c_->fd, events, 0}, {wake_fd_, POLLIN, 0}};
    int n = poll(p, 2, static_cast<int>(left));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw ConnError(std::string("poll: ") + std::strerror(errno));
    }
    if (p[1].revents) throw Stopped();
    if (p[0].revents & (events | POLLERR | POLLHUP)) return;
  }
}

void RedisConn::append(const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAppendCommandArgv(c_, static_cast<int>(args.size()), args.data(), lens.data()) != REDIS_OK)
    throw ConnError(std::string("cannot queue a command: ") + c_->errstr);
}

void RedisConn::flush(Clock::time_point deadline) {
  int done = 0;
  for (;;) {
    if (redisBufferWrite(c_, &done) != REDIS_OK) throw ConnError("write to " + where_ + " failed: " + c_->errstr);
    if (done) return;
    wait(POLLOUT, deadline, "write");
  }
}

void RedisConn::read_available() {
  if (redisBufferRead(c_) != REDIS_OK) throw ConnError("read from " + where_ + " failed: " + c_->errstr);
}

Reply RedisConn::next_buffered() {
  void* r = nullptr;
  if (redisGetReplyFromReader(c_, &r) != REDIS_OK) throw ConnError("protocol error from " + where_ + ": " + c_->errstr);
  return Reply(static_cast<redisReply*>(r));
}

Reply RedisConn::read_reply(Clock::time_point deadline) {
  for (;;) {
    if (Reply r = next_buffered()) return r;
    wait(POLLIN, deadline, "reply");
    read_available();
  }
}

void RedisConn::send(const std::vector<std::string>& argv, Clock::time_point deadline) {
  append(argv);
  flush(deadline);
}

Reply RedisConn::command(const std::vector<std::string>& argv, Clock::time_point deadline) {
  send(argv, deadline);
  return read_reply(deadline);
}

std::vector<Reply> RedisConn::pipeline(const std::vector<std::vector<std::string>>& cmds, Clock::time_point deadline) {
  for (const auto& c : cmds) append(c);
  flush(deadline);
  std::vector<Reply> replies;
  for (size_t i = 0; i < cmds.size(); ++i) replies.push_back(read_reply(deadline));
  return replies;
}

}  // namespace omega
