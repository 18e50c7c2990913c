#include "http/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <optional>

#include "digest.h"

namespace omega::settingsd {

using Clock = std::chrono::steady_clock;

// One TCP connection (libmicrohttpd's socket_context).
struct HttpServer::Connection {
  int fd = -1;  // our own dup of the socket: cutting it never hits a reused descriptor
  std::string address;
  bool loopback = false;
  Clock::time_point receiving_since = Clock::now();  // the current request started arriving
  bool receiving = true;                             // its headers or body are still arriving
  bool reserved = false;                             // it is for a reserved path (a probe)
  int requests = 0;
  bool cut = false;
};

// One request (libmicrohttpd's con_cls), made when its request line arrives.
struct HttpServer::Request {
  Connection* conn = nullptr;
  HttpRequest req;
  bool started = false;  // the first access call (headers complete) has run
  bool counted = false;  // counted in in_flight_
  int content_length_headers = 0;
  // A deferred answer (long poll): parked while it waits.
  std::shared_ptr<Deferred> deferred;
  MHD_Connection* mhd = nullptr;
  bool suspended = false;     // MHD_suspend_connection has returned, mu_
  bool wake_pending = false;  // woken before it was suspended: resume itself, mu_
};

namespace {

constexpr auto kSweepEvery = std::chrono::milliseconds(100);
constexpr auto kStopGrace = std::chrono::seconds(30);

std::string address_of(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  return buf;
}

bool is_loopback(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) return (ntohl(reinterpret_cast<const sockaddr_in*>(sa)->sin_addr.s_addr) >> 24) == 127;
  if (sa->sa_family == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(&a) || (IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127);  // ::ffff:127.x.x.x
  }
  return false;
}

MHD_Result collect_header(void* cls, enum MHD_ValueKind, const char* key, const char* value) {
  auto* r = static_cast<HttpRequest*>(cls);
  std::string name = key ? key : "";
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  r->headers.emplace(name, value ? value : "");
  return MHD_YES;
}

MHD_Result collect_query(void* cls, enum MHD_ValueKind, const char* key, const char* value) {
  static_cast<HttpRequest*>(cls)->query[key ? key : ""] = value ? value : "";
  return MHD_YES;
}

std::string trim_lower(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t a = 0;
  while (a < s.size() && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  s = s.substr(a);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

HttpResponse too_large(size_t limit) {
  return json_error(413, "payload_too_large",
                    "the body is larger than the limit of " + std::to_string(limit) + " bytes");
}

// A body with ambiguous framing is refused before a byte of it is read.
std::optional<HttpResponse> framing_error(const HttpRequest& req, size_t limit) {
  size_t lengths = req.headers.count("content-length");
  size_t encodings = req.headers.count("transfer-encoding");
  if (lengths > 1) return json_error(400, "bad_request", "duplicate Content-Length header");
  if (lengths && encodings)
    return json_error(400, "bad_request", "Content-Length together with Transfer-Encoding (ambiguous framing)");
  if (encodings && (encodings > 1 || trim_lower(req.header("transfer-encoding")) != "chunked"))
    return json_error(400, "bad_request", "unsupported Transfer-Encoding (only chunked is accepted)");
  if (lengths) {
    const std::string v = req.header("content-length");
    bool digits = !v.empty() && v.size() <= 18;
    for (char ch : v) digits = digits && ch >= '0' && ch <= '9';
    if (!digits) return json_error(400, "bad_request", "Content-Length is not a number");
    if (std::stoull(v) > limit) return too_large(limit);
  }
  return std::nullopt;
}

MHD_Result send(MHD_Connection* c, const HttpResponse& r, const std::string& request_id) {
  MHD_Response* resp =
      MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (!resp) return MHD_NO;
  if (!r.content_type.empty()) MHD_add_response_header(resp, "Content-Type", r.content_type.c_str());
  MHD_add_response_header(resp, "X-Request-Id", request_id.c_str());
  for (const auto& [k, v] : r.headers) MHD_add_response_header(resp, k.c_str(), v.c_str());
  MHD_Result ok = MHD_queue_response(c, static_cast<unsigned>(r.status), resp);
  MHD_destroy_response(resp);
  return ok;
}

HttpServer* server_of(void* cls) { return static_cast<HttpServer*>(cls); }

MHD_Result accept_cb(void* cls, const sockaddr* addr, socklen_t) {
  return server_of(cls)->admit(addr) ? MHD_YES : MHD_NO;
}

void connection_cb(void* cls, MHD_Connection* c, void** socket_context, enum MHD_ConnectionNotificationCode code) {
  if (code == MHD_CONNECTION_NOTIFY_STARTED)
    server_of(cls)->connection_started(c, socket_context);
  else
    server_of(cls)->connection_closed(socket_context);
}

void* uri_cb(void* cls, const char* uri, MHD_Connection* c) { return server_of(cls)->request_line(c, uri); }

MHD_Result access_cb(void* cls, MHD_Connection* c, const char* url, const char* method, const char* version,
                     const char* upload_data, size_t* upload_data_size, void** state) {
  return server_of(cls)->on_request(c, url, method, version, upload_data, upload_data_size, state) ? MHD_YES : MHD_NO;
}

void completed_cb(void* cls, MHD_Connection*, void** state, enum MHD_RequestTerminationCode) {
  server_of(cls)->on_completed(state);
}

void log_cb(void*, const char* fmt, va_list ap) {
  // libmicrohttpd's own messages (bind errors, limits) go to the log; they carry no bodies.
  fputs("omega-settingsd: libmicrohttpd: ", stderr);
  vfprintf(stderr, fmt, ap);
}

}  // namespace

HttpServer::HttpServer(ServerLimits limits, Handler handler, Observer observer)
    : limits_(std::move(limits)),
      handler_(std::move(handler)),
      observer_(std::move(observer)),
      budget_(limits_.max_connections, limits_.per_ip_connections) {}

HttpServer::~HttpServer() { stop(); }

bool HttpServer::admit(const sockaddr* addr) {
  std::lock_guard<std::mutex> lock(mu_);
  return !stopping_ && budget_.may_open(address_of(addr), is_loopback(addr));
}

void HttpServer::connection_started(MHD_Connection* c, void** socket_context) {
  auto* conn = new Connection;
  const MHD_ConnectionInfo* fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
  if (fd) conn->fd = fcntl(fd->connect_fd, F_DUPFD_CLOEXEC, 0);
  const MHD_ConnectionInfo* addr = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (addr && addr->client_addr) {
    conn->address = address_of(addr->client_addr);
    conn->loopback = is_loopback(addr->client_addr);
  }
  *socket_context = conn;
  std::lock_guard<std::mutex> lock(mu_);
  connections_.insert(conn);
  budget_.opened(conn->address, conn->loopback);
}

void HttpServer::connection_closed(void** socket_context) {
  auto* conn = static_cast<Connection*>(*socket_context);
  if (!conn) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    connections_.erase(conn);
    budget_.closed(conn->address, conn->loopback);
  }
  if (conn->fd >= 0) close(conn->fd);
  delete conn;
  *socket_context = nullptr;
}

HttpServer::Request* HttpServer::request_line(MHD_Connection* c, const char* uri) {
  auto* r = new Request;
  const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  r->conn = info ? static_cast<Connection*>(info->socket_context) : nullptr;
  std::string path = uri ? uri : "";
  path = path.substr(0, path.find('?'));
  if (r->conn) {
    std::lock_guard<std::mutex> lock(mu_);
    // The first request's clock started when the connection opened; a later one's (keep-alive)
    // when its request line arrives: the idle time between requests has its own timeout.
    if (r->conn->requests++ > 0) r->conn->receiving_since = Clock::now();
    r->conn->receiving = true;
    r->conn->reserved =
        std::find(limits_.reserved_paths.begin(), limits_.reserved_paths.end(), path) != limits_.reserved_paths.end();
  }
  return r;
}

bool HttpServer::answer(MHD_Connection* c, Request* r, const HttpResponse& resp) {
  if (r->conn) {
    std::lock_guard<std::mutex> lock(mu_);
    r->conn->receiving = false;
  }
  observer_(r->req, resp);
  return send(c, resp, r->req.request_id) == MHD_YES;
}

bool HttpServer::first_call(MHD_Connection* c, Request* r) {
  r->started = true;
  MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &r->req);
  MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_query, &r->req);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++in_flight_;
    r->counted = true;
    int probes = 0;
    for (const Connection* conn : connections_) probes += conn->reserved;
    if (budget_.over_capacity(probes) && r->conn && !r->conn->reserved) {
      HttpResponse full = json_error(503, "server_busy", "too many connections; try again shortly");
      full.headers.push_back({"Retry-After", "1"});
      full.headers.push_back({"Connection", "close"});
      r->conn->receiving = false;
      observer_(r->req, full);
      return send(c, full, r->req.request_id) == MHD_YES;
    }
  }
  // Refuse ambiguous framing before reading a byte of the body; libmicrohttpd then closes the
  // connection because the body was not consumed.
  if (auto bad = framing_error(r->req, limits_.body_limit)) return answer(c, r, *bad);
  return true;
}

bool HttpServer::on_request(MHD_Connection* c, const char* url, const char* method, const char* version,
                            const char* upload_data, size_t* upload_data_size, void** state) {
  auto* r = static_cast<Request*>(*state);
  if (!r) r = new Request, *state = r;  // no request line callback (cannot happen; be safe)
  if (!r->started) {
    r->req.method = method;
    r->req.path = url;
    r->req.version = version ? version : "";
    r->req.request_id = random_hex(8);
    if (const MHD_ConnectionInfo* a = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS))
      r->req.source = a->client_addr ? address_of(a->client_addr) : "";
    return first_call(c, r);
  }
  if (*upload_data_size > 0) {
    if (r->req.body.size() + *upload_data_size > limits_.body_limit) {
      // A chunked body crossed the cap. libmicrohttpd 0.9.75 cannot queue a response before
      // the upload ends, and the client may never end it: close the connection now.
      observer_(r->req, too_large(limits_.body_limit));
      return false;
    }
    r->req.body.append(upload_data, *upload_data_size);
    *upload_data_size = 0;
    return true;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (r->conn) r->conn->receiving = false;
  }
  if (r->deferred) return continue_deferred(c, r);  // resumed: ask again
  HttpResponse resp = handler_(r->req);
  if (resp.deferred) {
    r->deferred = resp.deferred;
    return continue_deferred(c, r);
  }
  return answer(c, r, resp);
}

bool HttpServer::continue_deferred(MHD_Connection* c, Request* r) {
  while (true) {
    uint64_t seen;
    bool final_answer;
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen = wakes_;
      final_answer = draining_ || Clock::now() >= r->deferred->deadline;
    }
    std::optional<HttpResponse> resp = r->deferred->answer(final_answer);
    if (resp) {
      r->deferred.reset();
      return answer(c, r, *resp);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      // Woken while it was asking (or the server began to stop): ask again rather than sleep
      // through the change.
      if (wakes_ != seen || draining_) continue;
      r->mhd = c;
      r->suspended = false;
      r->wake_pending = false;
      parked_.insert(r);
    }
    // Suspended only from the access handler (the one safe place); resumed from elsewhere
    // only after this returned, so a resume never precedes its suspend.
    MHD_suspend_connection(c);
    bool resume_now = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      r->suspended = true;
      if (r->wake_pending) {
        parked_.erase(r);
        resume_now = true;
      }
    }
    if (resume_now) MHD_resume_connection(c);
    return true;
  }
}

template <class Pred>
std::vector<MHD_Connection*> HttpServer::take_parked_locked(Pred due) {
  std::vector<MHD_Connection*> out;
  for (auto it = parked_.begin(); it != parked_.end();) {
    Request* r = *it;
    if (!due(r)) {
      ++it;
    } else if (r->suspended) {
      out.push_back(r->mhd);
      it = parked_.erase(it);
    } else {
      r->wake_pending = true;
      ++it;
    }
  }
  return out;
}

void HttpServer::wake_deferred() {
  std::vector<MHD_Connection*> resume;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++wakes_;
    resume = take_parked_locked([](Request*) { return true; });
  }
  for (MHD_Connection* c : resume) MHD_resume_connection(c);
}

void HttpServer::on_completed(void** state) {
  auto* r = static_cast<Request*>(*state);
  if (!r) return;
  if (r->counted) {
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;
    changed_.notify_all();
  }
  delete r;
  *state = nullptr;
}

void HttpServer::sweep() {
  const auto deadline = std::chrono::seconds(limits_.request_timeout_s);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    changed_.wait_for(lock, kSweepEvery);
    auto now = Clock::now();
    for (Connection* conn : connections_) {
      if (conn->receiving && !conn->cut && conn->fd >= 0 && now - conn->receiving_since > deadline) {
        // The request did not arrive in time, however slowly it trickled: cut the socket;
        // libmicrohttpd sees the end of the stream and closes its side.
        shutdown(conn->fd, SHUT_RDWR);
        conn->cut = true;
      }
    }
    // Long polls whose time is up are resumed to answer (304).
    std::vector<MHD_Connection*> due =
        take_parked_locked([&](Request* r) { return draining_ || now >= r->deferred->deadline; });
    if (!due.empty()) {
      lock.unlock();
      for (MHD_Connection* c : due) MHD_resume_connection(c);
      lock.lock();
    }
  }
}

bool HttpServer::start(const std::string& host, int port, std::string* error) {
  sockaddr_storage addr{};
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
  const bool https = !limits_.tls_cert_pem.empty();
  if (https) flags |= MHD_USE_TLS;
  std::string h = host == "localhost" ? "127.0.0.1" : host;
  if (inet_pton(AF_INET, h.c_str(), &reinterpret_cast<sockaddr_in*>(&addr)->sin_addr) == 1) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
  } else if (inet_pton(AF_INET6, h.c_str(), &reinterpret_cast<sockaddr_in6*>(&addr)->sin6_addr) == 1) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    flags |= MHD_USE_IPv6;
  } else {
    *error = "--listen host must be an IP address (got '" + host + "')";
    return false;
  }
  daemon_ = MHD_start_daemon(flags, static_cast<uint16_t>(port), &accept_cb, this, &access_cb, this,
                             MHD_OPTION_EXTERNAL_LOGGER, &log_cb, nullptr, MHD_OPTION_NOTIFY_COMPLETED, &completed_cb,
                             this, MHD_OPTION_NOTIFY_CONNECTION, &connection_cb, this, MHD_OPTION_URI_LOG_CALLBACK,
                             &uri_cb, this, MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&addr),
                             MHD_OPTION_THREAD_POOL_SIZE, static_cast<unsigned>(limits_.threads),
                             MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned>(budget_.hard_limit()),
                             MHD_OPTION_CONNECTION_TIMEOUT, static_cast<unsigned>(limits_.idle_timeout_s),
                             // Without HTTPS these options end the list (MHD_OPTION_END in their place).
                             https ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, limits_.tls_cert_pem.c_str(),
                             MHD_OPTION_HTTPS_MEM_KEY, limits_.tls_key_pem.c_str(), MHD_OPTION_HTTPS_PRIORITIES,
                             "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2", MHD_OPTION_END);
  if (!daemon_) {
    *error = "cannot listen on " + host + ":" + std::to_string(port) +
             (https ? " with HTTPS (the address is in use, or --tls-cert/--tls-key are not a PEM certificate and its "
                      "matching key; libmicrohttpd's message above says which)"
                    : " (address in use or not available)");
    return false;
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
  port_ = info ? info->port : port;
  sweeper_ = std::thread([this] { sweep(); });
  return true;
}

void HttpServer::stop() {
  if (!daemon_) return;
  int listener = MHD_quiesce_daemon(daemon_);  // no new connections; the listening socket is ours now
  {
    std::lock_guard<std::mutex> lock(mu_);
    draining_ = true;
  }
  wake_deferred();  // waiting long polls answer now (MHD_stop_daemon must see none suspended)
  {
    std::unique_lock<std::mutex> lock(mu_);
    // Requests in flight (a mutation, say) finish and are answered before the stop.
    changed_.wait_for(lock, kStopGrace, [this] { return in_flight_ == 0; });
    stopping_ = true;
  }
  changed_.notify_all();
  sweeper_.join();
  MHD_stop_daemon(daemon_);
  if (listener >= 0) close(listener);
  daemon_ = nullptr;
}

}  // namespace omega::settingsd
