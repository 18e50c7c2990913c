#include "watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "errors.h"
#include "reader.h"

namespace omega {
namespace {

using std::chrono::milliseconds;

bool is_message(redis::ReplyView r) {
  return r.is_array() && r.size() >= 1 && (r[0].is("message") || r[0].is("pmessage"));
}

bool is_pong(redis::ReplyView r) {
  if (r.is_status()) return r.text() == "PONG";
  return r.is_array() && r.size() >= 1 && r[0].is("pong");
}

// Full jitter, uniform in [0, limit]: a fleet that lost its node at the same moment does not
// come back in step (reconnects and resyncs of thousands of readers spread over the window).
milliseconds jittered(milliseconds limit, std::minstd_rand& rng) {
  return milliseconds(std::uniform_int_distribution<long>(0, limit.count())(rng));
}

// Thrown by serve() to leave a primary chosen through Sentinel (see redis::should_move).
struct Rebalance {
  std::string why;
};

}  // namespace

Watcher::Watcher(Reader& reader) : reader_(reader), namer_(reader.options().service_name) {
  route_.routing_key = reader.options().names.config;
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) throw Error(OMEGA_E_INTERNAL, std::string("eventfd: ") + std::strerror(errno));
}

Watcher::~Watcher() {
  stop();
  close(wake_fd_);
}

void Watcher::start() {
  thread_ = std::thread([this] { run(); });
}

void Watcher::stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  while (write(wake_fd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
  thread_.join();
}

void Watcher::sleep(milliseconds d) {
  struct pollfd p = {wake_fd_, POLLIN, 0};
  auto until = Clock::now() + d;
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now()).count();
    if (left <= 0) return;
    int n = poll(&p, 1, static_cast<int>(left));
    if (n > 0) throw redis::Stopped();
  }
}

void Watcher::run() {
  const Options& s = reader_.options();
  milliseconds backoff(50);
  try {
    for (;;) {
      bool connected = false;
      try {
        serve(connected);
      } catch (const redis::Stopped&) {
        throw;
      } catch (const Rebalance& r) {
        // Not an outage: reconnect now (subscribe first, then read). A demoted node is worth a
        // note in the status; a healthy replica again is not.
        if (r.why.find("the primary, not") != std::string::npos) reader_.on_disconnected(r.why);
        continue;
      } catch (const redis::Redirected& e) {
        route_.preferred = e.target();  // the slot moved: go there at once (a few times in a row)
        if (++redirects_in_a_row_ <= 3) continue;
        reader_.on_disconnected(e.what());
        if (first_attempt_) {  // open() waits for the first attempt's outcome: never leave it waiting
          first_attempt_ = false;
          reader_.on_first_attempt(false, e.what());
        }
      } catch (const std::exception& e) {
        // ConnError, and anything else (bad_alloc on a huge snapshot): retry.
        reader_.on_disconnected(e.what());
        if (first_attempt_) {
          first_attempt_ = false;
          reader_.on_first_attempt(false, e.what());
        }
      }
      if (connected) backoff = milliseconds(50), redirects_in_a_row_ = 0;  // a fresh outage starts over
      sleep(jittered(backoff, rng_));
      backoff = std::min(backoff * 2, s.reconnect_max);
    }
  } catch (const redis::Stopped&) {
  }
  reader_.on_first_attempt(false, "closed before the first sync");
}

void Watcher::sync(std::unique_ptr<redis::Connection>& cmd) {
  const Options& s = reader_.options();
  Published p = fetch_published(*cmd, s.names, s.max_bytes, Clock::now() + s.command_timeout);
  if (cmd->abandoned()) {  // an oversized snapshot, left unread: a new link to the same node
    cmd = std::make_unique<redis::Connection>(cmd->endpoint(), wake_fd_, Clock::now() + s.connect_timeout);
    named_as_.clear();
    p = fetch_published_checked(*cmd, s.names, s.max_bytes, Clock::now() + s.command_timeout);
  }
  applied_fingerprint_ = p.fingerprint;
  reader_.offer(p);
}

void Watcher::name_reader(redis::Connection& cmd) {
  if (cmd.dropped_errors() > 0) naming_refused_ = true;  // NOPERM: reading matters, naming does not
  if (naming_refused_) return;
  ReaderStatus status = reader_.status();
  std::string name = namer_.reader_name(status.version, status.state);
  if (name == named_as_) return;
  cmd.send_unawaited({"CLIENT", "SETNAME", name}, Clock::now() + reader_.options().command_timeout);
  named_as_ = name;
}

void Watcher::serve(bool& connected) {
  const Options& s = reader_.options();
  // One node for both connections (Sentinel and cluster choose it): the fetch then reads what
  // the node that delivered the hint holds.
  std::unique_ptr<redis::Connection> cmd =
      redis::connect(s.endpoint, route_, wake_fd_, Clock::now() + s.connect_timeout, &on_fallback_);
  redis::Connection sub(cmd->endpoint(), wake_fd_, Clock::now() + s.connect_timeout);
  route_.preferred.clear();
  named_as_.clear();
  if (!naming_refused_) {
    redis::Reply r = sub.command({"CLIENT", "SETNAME", namer_.subscriber_name()}, Clock::now() + s.command_timeout);
    naming_refused_ = r.is_error();
  }
  // Subscribe first, then read: a publish between the two is not lost.
  redis::Reply confirm = sub.command({"SUBSCRIBE", s.names.channel}, Clock::now() + s.command_timeout);
  if (confirm.is_error()) throw redis::ConnError("SUBSCRIBE refused: " + std::string(confirm.text()));
  // After an outage every reader of the node comes back at about the same time: spread the
  // resyncs (the subscription is up, so a publish meanwhile is not lost).
  if (!first_attempt_) sleep(jittered(std::min(s.poll_interval, milliseconds(1000)), rng_));
  sync(cmd);
  reader_.on_connected();
  name_reader(*cmd);
  connected = true;
  redirects_in_a_row_ = 0;
  if (first_attempt_) {
    first_attempt_ = false;
    reader_.on_first_attempt(true, "");
  }

  // A PING unanswered after max(heartbeat, command timeout) means a dead link.
  const auto pong_within = std::max(s.heartbeat, s.command_timeout);
  auto next_ping = Clock::now() + s.heartbeat;
  auto next_poll = Clock::now() + s.poll_interval;
  bool ping_outstanding = false;
  Clock::time_point ping_sent{};
  // On a primary chosen through Sentinel (role=master, or a fallback because no replica was
  // healthy): ask a Sentinel every 10-20 s (jittered, so a fleet that moved together does not
  // ask together) whether to move: a replica is healthy again, or this node is no longer the
  // primary the Sentinels name (see redis::should_move).
  const bool on_primary =
      s.endpoint.topology == redis::Topology::kSentinel && (on_fallback_ || s.endpoint.role == redis::Role::kPrimary);
  const redis::HostPort node{cmd->endpoint().host, cmd->endpoint().port};
  auto next_rebalance = Clock::now() + milliseconds(10000) + jittered(milliseconds(10000), rng_);
  for (;;) {
    auto wake_at = std::min(ping_outstanding ? ping_sent + pong_within : next_ping, next_poll);
    if (on_primary) wake_at = std::min(wake_at, next_rebalance);
    auto left = std::max<long>(0, std::chrono::duration_cast<milliseconds>(wake_at - Clock::now()).count());
    struct pollfd p[2] = {{sub.fd(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int n = poll(p, 2, static_cast<int>(left));
    if (n < 0 && errno != EINTR) throw redis::ConnError(std::string("poll: ") + std::strerror(errno));
    if (n > 0 && p[1].revents) throw redis::Stopped();
    if (n > 0 && p[0].revents) {
      sub.read_available();
      bool hinted = false;
      while (std::optional<redis::Reply> r = sub.next_buffered()) {
        if (is_message(*r))
          hinted = true;
        else if (is_pong(*r))
          ping_outstanding = false;
      }
      if (hinted) {
        sync(cmd);  // a burst of messages becomes one fetch of the latest state
        name_reader(*cmd);
        continue;  // read what arrived meanwhile (a PONG, say) before judging the heartbeat
      }
    }
    auto now = Clock::now();
    if (ping_outstanding && now - ping_sent >= pong_within)
      throw redis::ConnError("Redis at " + sub.where() + " did not answer PING within " +
                             std::to_string(pong_within.count()) + " ms");
    if (!ping_outstanding && now >= next_ping) {
      sub.send({"PING"}, now + s.command_timeout);
      ping_outstanding = true;
      ping_sent = now;
      next_ping = now + s.heartbeat;
    }
    if (now >= next_poll) {
      if (fetch_fingerprint(*cmd, s.names, now + s.command_timeout) != applied_fingerprint_)
        sync(cmd);
      else
        reader_.on_synced();
      name_reader(*cmd);  // a new version, or a new state without one
      next_poll = Clock::now() + s.poll_interval;
    }
    // After the poll: a slow Sentinel must not delay the sync that keeps the state fresh.
    if (on_primary && now >= next_rebalance) {
      std::string why = redis::should_move(s.endpoint, node, on_fallback_, wake_fd_, Clock::now() + s.command_timeout);
      if (!why.empty()) throw Rebalance{why};
      next_rebalance = Clock::now() + milliseconds(10000) + jittered(milliseconds(10000), rng_);
    }
  }
}

}  // namespace omega
