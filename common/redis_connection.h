// One Redis connection, driven so that no call ever waits past its deadline: the one
// connection class of omega-config (the reader's watcher and the daemon's publisher).
//
// hiredis' blocking calls cannot be interrupted, and its redisReconnect drops timeouts, AUTH,
// SELECT and subscriptions. So the socket is ours (non-blocking, close-on-exec) and hiredis is
// only the RESP codec (redisFormatCommandArgv, redisReader). Every wait is a poll() on the
// socket *and* an optional wake fd, with a deadline: a wake-up throws Stopped, which is how a
// reader's close returns promptly even while Redis is hung. A broken connection is never
// repaired in place: the owner drops it and connects again, redoing all of the handshake.
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "redis_endpoint.h"
#include "redis_errors.h"
#include "redis_reply.h"

struct redisReader;

namespace omega::redis {

class TlsSession;

using Clock = std::chrono::steady_clock;

using Command = std::vector<std::string>;

class Connection {
 public:
  // Connects, then AUTH and SELECT as the endpoint says, before the deadline. wake_fd: an fd
  // whose readability means "stop" (an eventfd), or -1.
  Connection(const Endpoint& ep, int wake_fd, Clock::time_point deadline);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends one command and waits for its reply. An error reply is returned, not thrown.
  Reply command(const Command& argv, Clock::time_point deadline);
  // Sends several commands in one write and returns their replies in order.
  std::vector<Reply> pipeline(const std::vector<Command>& cmds, Clock::time_point deadline);

  // Sends several commands in one write without waiting; their replies are then read in order
  // with reply(). A caller that stops reading early must abandon() the connection.
  void send_all(const std::vector<Command>& cmds, Clock::time_point deadline);
  Reply reply(Clock::time_point deadline) { return read_reply(deadline); }
  // Replies are left unread (an oversized snapshot the caller will not download): every later
  // command throws ConnError, and the owner connects again.
  void abandon() { abandoned_ = true; }
  bool abandoned() const { return abandoned_; }

  // Sends a best-effort command without waiting: its reply is read and dropped before the next
  // reply this connection returns. dropped_errors() counts those that were errors (NOPERM).
  void send_unawaited(const Command& argv, Clock::time_point deadline);
  int dropped_errors() const { return dropped_errors_; }

  // For a subscriber: sends a command without waiting for its reply.
  void send(const Command& argv, Clock::time_point deadline);
  // Reads what the socket has (call when poll says readable). Throws ConnError on EOF.
  void read_available();
  // A reply already read, if any.
  std::optional<Reply> next_buffered();

  int fd() const { return fd_; }
  // host:port db N, for messages.
  const std::string& where() const { return where_; }
  // The node this connection reached (a concrete standalone endpoint).
  const Endpoint& endpoint() const { return endpoint_; }

 private:
  void append(const Command& argv);
  void flush(Clock::time_point deadline);
  void wait(short events, Clock::time_point deadline, const char* what);
  Reply read_reply(Clock::time_point deadline);
  void login(const Endpoint& ep, Clock::time_point deadline);

  long io_read(char* buf, size_t len);         // recv, or TLS: >0, 0 = end, -1 + EAGAIN
  long io_write(const char* buf, size_t len);  // send, or TLS

  Endpoint endpoint_;
  int fd_ = -1;
  int wake_fd_;
  std::unique_ptr<TlsSession> tls_;  // rediss://
  bool replied_ = false;             // a reply arrived (for the hint on an early close)
  bool abandoned_ = false;
  int unawaited_ = 0;  // replies to drop before the next one returned
  int dropped_errors_ = 0;
  std::string where_;
  redisReader* reader_ = nullptr;
  std::string out_;  // formatted commands not yet written
};

}  // namespace omega::redis
