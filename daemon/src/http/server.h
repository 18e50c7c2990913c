// libmicrohttpd front end: admission, limits, framing checks and body collection, then one
// call to the handler with a complete HttpRequest (writer guarantee 8).
//
// Refused here, before any route runs: a duplicate Content-Length, Content-Length together
// with Transfer-Encoding, or a Transfer-Encoding other than chunked -> 400 (libmicrohttpd
// 0.9.75 would use the first length, or wait forever for a gzip body); a declared
// Content-Length above the cap -> 413 at once; a body that grows past the cap while arriving
// (chunked) -> the connection is closed at once with no answer (0.9.75 cannot send one
// mid-upload), observed as a 413.
//
// Slow clients cannot hold the server: a request's headers and body must arrive within
// request_timeout_s in total, however slowly they trickle (an idle timer that each byte
// resets would not do); a sweeper cuts the connection otherwise. Connections are limited in
// total and per address, but not per loopback address, where every local client shares one.
// Requests for the reserved paths (health, readiness, metrics) have a reserve of connections
// of their own, so probes are answered while slow clients hold every other slot; other
// requests beyond max_connections get 503.
//
// A handler may answer later (HttpResponse::deferred, a long poll): the connection is
// suspended (MHD_suspend_connection), so it holds no worker thread while it waits, and resumed
// by wake_deferred() (a new version) or by the sweeper at its deadline; the handler's
// Deferred is then asked again. A waiting connection still counts against the connection
// limits. stop() answers every waiting request first.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http/connection_budget.h"
#include "http/message.h"

struct MHD_Daemon;
struct MHD_Connection;
struct sockaddr;

namespace omega::settingsd {

struct ServerLimits {
  size_t body_limit = 64 * 1024;
  int max_connections = 64;
  int per_ip_connections = 16;  // per non-loopback address
  int idle_timeout_s = 30;
  int request_timeout_s = 10;  // headers + body, in total
  int threads = 2;
  std::vector<std::string> reserved_paths;  // served from their own reserve of connections
  // HTTPS (libmicrohttpd with GnuTLS, TLS 1.2+) when both are set: PEM text, not paths.
  std::string tls_cert_pem;
  std::string tls_key_pem;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(HttpRequest&)>;
  // Sees every answer once, including those given before the handler runs.
  using Observer = std::function<void(const HttpRequest&, const HttpResponse&)>;

  HttpServer(ServerLimits limits, Handler handler, Observer observer);
  ~HttpServer();
  bool start(const std::string& host, int port, std::string* error);
  // Stops accepting, lets the requests in flight finish and answer (at most 30 s), stops.
  void stop();
  int port() const { return port_; }
  // Something deferred answers may wait for happened: ask every parked request again.
  void wake_deferred();

  // Internal: libmicrohttpd's callbacks reach the server through these.
  struct Connection;
  struct Request;
  bool admit(const sockaddr* addr);
  void connection_started(MHD_Connection* c, void** socket_context);
  void connection_closed(void** socket_context);
  Request* request_line(MHD_Connection* c, const char* uri);
  bool on_request(MHD_Connection* c, const char* url, const char* method, const char* version, const char* upload_data,
                  size_t* upload_data_size, void** state);
  void on_completed(void** state);

 private:
  bool first_call(MHD_Connection* c, Request* r);
  bool answer(MHD_Connection* c, Request* r, const HttpResponse& resp);
  // Asks r's Deferred for its answer; parks (suspends) the connection while it has none.
  bool continue_deferred(MHD_Connection* c, Request* r);
  // Takes the parked requests `due` names out of parked_ and returns the connections to
  // resume (resumed outside mu_); one not suspended yet resumes itself. Holds mu_.
  template <class Pred>
  std::vector<MHD_Connection*> take_parked_locked(Pred due);
  void sweep();

  ServerLimits limits_;
  Handler handler_;
  Observer observer_;
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;

  std::mutex mu_;
  std::condition_variable changed_;
  std::set<Connection*> connections_;  // guarded by mu_
  ConnectionBudget budget_;            // guarded by mu_
  int in_flight_ = 0;                  // requests between first call and completion, mu_
  bool stopping_ = false;              // mu_
  bool draining_ = false;              // stop() began: deferred answers are final, mu_
  std::set<Request*> parked_;          // requests waiting in a suspended connection, mu_
  uint64_t wakes_ = 0;                 // wake_deferred() calls, mu_
  std::thread sweeper_;
};

}  // namespace omega::settingsd
