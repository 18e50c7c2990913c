#include "redis_connection.h"

#include "socket_wait.h"
#include "tls_context.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace omega::redis {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Like hiredis' redisEnableKeepAlive: a dead peer shows within about half a minute.
void tune_tcp(int fd) {
  int on = 1, idle = 15, interval = 5, count = 3;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

// One non-blocking connect to addr; returns the fd or -1 with errno set.
int connect_one(const sockaddr* addr, socklen_t len, int wake_fd, Clock::time_point deadline,
                const std::string& where) {
  int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, addr, len) != 0 && errno != EINPROGRESS) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  try {
    wait_fd(fd, wake_fd, POLLOUT, deadline, where + " (connect)");
  } catch (...) {
    close(fd);
    throw;
  }
  int err = 0;
  socklen_t err_len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0 || err != 0) {
    close(fd);
    errno = err ? err : errno;
    return -1;
  }
  return fd;
}

int connect_socket(const Endpoint& ep, int wake_fd, Clock::time_point deadline, const std::string& where) {
  if (ep.is_unix) {
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    if (ep.path.size() >= sizeof un.sun_path) throw ConnError("unix socket path too long: " + ep.path);
    std::memcpy(un.sun_path, ep.path.c_str(), ep.path.size() + 1);
    int fd = connect_one(reinterpret_cast<sockaddr*>(&un), sizeof un, wake_fd, deadline, where);
    if (fd < 0) throw ConnError("cannot connect to " + where + ": " + errno_text(errno));
    return fd;
  }
  // getaddrinfo may block on a hung DNS server; IP literals never wait (documented).
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(ep.host.c_str(), std::to_string(ep.port).c_str(), &hints, &found);
  if (rc != 0) throw ConnError("cannot connect to " + where + ": " + gai_strerror(rc));
  int fd = -1, err = ECONNREFUSED;
  try {
    for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
      fd = connect_one(a->ai_addr, a->ai_addrlen, wake_fd, deadline, where);
      if (fd < 0) err = errno;
    }
  } catch (...) {
    freeaddrinfo(found);
    throw;
  }
  freeaddrinfo(found);
  if (fd < 0) throw ConnError("cannot connect to " + where + ": " + errno_text(err));
  tune_tcp(fd);
  return fd;
}

}  // namespace

Connection::Connection(const Endpoint& ep, int wake_fd, Clock::time_point deadline)
    : endpoint_(ep), wake_fd_(wake_fd), where_(ep.describe()) {
  reader_ = redisReaderCreate();
  if (reader_ == nullptr) throw std::bad_alloc();
  try {
    fd_ = connect_socket(ep, wake_fd, deadline, where_);
    if (ep.tls.enabled) tls_ = std::make_unique<TlsSession>(ep, fd_, wake_fd, deadline, where_);
    login(ep, deadline);
  } catch (...) {
    tls_.reset();
    if (fd_ >= 0) close(fd_);
    redisReaderFree(reader_);
    throw;
  }
}

Connection::~Connection() {
  tls_.reset();
  close(fd_);
  redisReaderFree(reader_);
}

void Connection::login(const Endpoint& ep, Clock::time_point deadline) {
  if (!ep.password.empty()) {
    Command auth = {"AUTH"};
    if (!ep.user.empty()) auth.push_back(ep.user);
    auth.push_back(ep.password);
    Reply r = command(auth, deadline);
    // The server's text may name the user; it never contains the password.
    if (r.is_error()) throw ConnError("Redis at " + where_ + " refused AUTH: " + std::string(r.text()));
  }
  if (ep.db != 0) {
    Reply r = command({"SELECT", std::to_string(ep.db)}, deadline);
    if (r.is_error()) throw ConnError("Redis at " + where_ + " refused SELECT: " + std::string(r.text()));
  }
  if (ep.readonly) {  // reads from a replica of the slot
    Reply r = command({"READONLY"}, deadline);
    if (r.is_error()) throw ConnError("Redis at " + where_ + " refused READONLY: " + std::string(r.text()));
  }
}

long Connection::io_read(char* buf, size_t len) {
  if (tls_) return tls_->read(buf, len);
  return ::recv(fd_, buf, len, 0);
}

long Connection::io_write(const char* buf, size_t len) {
  if (tls_) return tls_->write(buf, len);
  return ::send(fd_, buf, len, MSG_NOSIGNAL);
}

void Connection::wait(short events, Clock::time_point deadline, const char* what) {
  wait_fd(fd_, wake_fd_, events, deadline, where_ + " (" + what + ")");
}

void Connection::append(const Command& argv) {
  if (abandoned_) throw ConnError("connection to " + where_ + " was abandoned with replies unread");
  std::vector<const char*> args;
  std::vector<size_t> lens;
  args.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  char* formatted = nullptr;
  int n = redisFormatCommandArgv(&formatted, static_cast<int>(args.size()), args.data(), lens.data());
  if (n < 0) throw std::bad_alloc();
  out_.append(formatted, static_cast<size_t>(n));
  redisFreeCommand(formatted);
}

void Connection::flush(Clock::time_point deadline) {
  size_t done = 0;
  while (done < out_.size()) {
    long n = io_write(out_.data() + done, out_.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      wait(POLLOUT, deadline, "write");
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      out_.clear();
      throw ConnError("write to " + where_ + " failed: " + errno_text(errno));
    }
  }
  out_.clear();
}

void Connection::read_available() {
  char buf[65536];
  for (;;) {
    long n = io_read(buf, sizeof buf);
    if (n > 0) {
      if (redisReaderFeed(reader_, buf, static_cast<size_t>(n)) != REDIS_OK) throw std::bad_alloc();
      if (static_cast<size_t>(n) < sizeof buf) return;
      continue;
    }
    // A TLS-only port drops a plain-text client before it answers anything: say so.
    const std::string hint = replied_ || tls_ ? "" : " before its first reply (a TLS-only port? use rediss://)";
    if (n == 0) throw ConnError("connection to " + where_ + " closed by the server" + hint);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    throw ConnError("read from " + where_ + " failed: " + errno_text(errno) + hint);
  }
}

std::optional<Reply> Connection::next_buffered() {
  void* r = nullptr;
  if (redisReaderGetReply(reader_, &r) != REDIS_OK)
    throw ConnError("protocol error from " + where_ + ": " + reader_->errstr);
  if (r == nullptr) return std::nullopt;
  replied_ = true;
  return Reply(static_cast<redisReply*>(r));
}

Reply Connection::read_reply(Clock::time_point deadline) {
  for (;;) {
    if (std::optional<Reply> r = next_buffered()) {
      if (unawaited_ == 0) return std::move(*r);
      --unawaited_;
      if (r->is_error()) ++dropped_errors_;
      continue;
    }
    wait(POLLIN, deadline, "reply");
    read_available();
  }
}

void Connection::send_unawaited(const Command& argv, Clock::time_point deadline) {
  send(argv, deadline);
  ++unawaited_;
}

void Connection::send(const Command& argv, Clock::time_point deadline) {
  append(argv);
  flush(deadline);
}

Reply Connection::command(const Command& argv, Clock::time_point deadline) {
  send(argv, deadline);
  return read_reply(deadline);
}

void Connection::send_all(const std::vector<Command>& cmds, Clock::time_point deadline) {
  for (const auto& c : cmds) append(c);
  flush(deadline);
}

std::vector<Reply> Connection::pipeline(const std::vector<Command>& cmds, Clock::time_point deadline) {
  send_all(cmds, deadline);
  std::vector<Reply> replies;
  replies.reserve(cmds.size());
  for (size_t i = 0; i < cmds.size(); ++i) replies.push_back(read_reply(deadline));
  return replies;
}

}  // namespace omega::redis
