// libmicrohttpd front end: limits, header sanity checks, body collection, then one call to
// the route handler with a complete HttpRequest.
//
// Checked here, before any route runs: a duplicate Content-Length or a Transfer-Encoding
// other than chunked -> 400 (libmicrohttpd 0.9.75 would use the first length, or wait
// forever for a gzip body); a declared Content-Length above the cap -> 413 at once; a body
// that grows past the cap while arriving (chunked) -> the connection is closed at once with
// no answer (0.9.75 cannot send one mid-upload), observed as a 413.
// Connection count, per-address count and idle timeout are libmicrohttpd options.
#pragma once

#include <functional>
#include <string>

#include "http/message.h"

struct MHD_Daemon;

namespace omega::settingsd {

struct ServerLimits {
  size_t body_limit = 64 * 1024;
  int max_connections = 64;
  int per_ip_connections = 16;
  int idle_timeout_s = 30;
  int threads = 2;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(HttpRequest&)>;
  // Sees every answer once, including those given before the handler runs.
  using Observer = std::function<void(const HttpRequest&, const HttpResponse&)>;

  HttpServer(ServerLimits limits, Handler handler, Observer observer);
  ~HttpServer();
  bool start(const std::string& host, int port, std::string* error);
  void stop();
  int port() const { return port_; }

  // Internal: libmicrohttpd callbacks reach the server through these.
  int on_request(void* connection, const char* url, const char* method, const char* upload_data,
                 size_t* upload_data_size, void** state);
  void on_completed(void** state);

 private:
  ServerLimits limits_;
  Handler handler_;
  Observer observer_;
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
};

}  // namespace omega::settingsd
