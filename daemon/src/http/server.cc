// libmicrohttpd glue (see http_server.h). Per-request state is allocated on the first
// callback and freed in the completion callback, as in libmicrohttpd's simplepost.c.
#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cctype>
#include <cstring>

#include <microhttpd.h>

#include "digest.h"

namespace omega::settingsd {
namespace {

struct RequestState {
  HttpRequest req;
  int content_length_headers = 0;
};

MHD_Result collect_header(void* cls, enum MHD_ValueKind, const char* key, const char* value) {
  auto* st = static_cast<RequestState*>(cls);
  std::string name = key ? key : "";
  for (auto& c : name) c = char(std::tolower((unsigned char)c));
  if (name == "content-length") ++st->content_length_headers;
  st->req.headers.emplace(name, value ? value : "");
  return MHD_YES;
}

MHD_Result collect_query(void* cls, enum MHD_ValueKind, const char* key, const char* value) {
  auto* st = static_cast<RequestState*>(cls);
  st->req.query[key ? key : ""] = value ? value : "";
  return MHD_YES;
}

std::string client_address(MHD_Connection* c) {
  const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (!info || !info->client_addr) return "";
  char buf[INET6_ADDRSTRLEN] = {};
  const sockaddr* sa = info->client_addr;
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  return buf;
}

std::string trim_lower(std::string s) {
  while (!s.empty() && std::isspace((unsigned char)s.back())) s.pop_back();
  size_t a = 0;
  while (a < s.size() && std::isspace((unsigned char)s[a])) ++a;
  s = s.substr(a);
  for (auto& c : s) c = char(std::tolower((unsigned char)c));
  return s;
}

MHD_Result send(MHD_Connection* c, const HttpResponse& r, const std::string& request_id) {
  MHD_Response* resp =
      MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (!resp) return MHD_NO;
  if (!r.content_type.empty()) MHD_add_response_header(resp, "Content-Type", r.content_type.c_str());
  MHD_add_response_header(resp, "X-Request-Id", request_id.c_str());
  for (const auto& [k, v] : r.headers) MHD_add_response_header(resp, k.c_str(), v.c_str());
  MHD_Result ok = MHD_queue_response(c, unsigned(r.status), resp);
  MHD_destroy_response(resp);
  return ok;
}

HttpResponse too_large(size_t limit) {
  return json_error(413, "payload_too_large",
                    "the body is larger than the limit of " + std::to_string(limit) + " bytes");
}

MHD_Result access_cb(void* cls, MHD_Connection* c, const char* url, const char* method, const char*,
                     const char* upload_data, size_t* upload_data_size, void** state) {
  return static_cast<HttpServer*>(cls)->on_request(c, url, method, upload_data, upload_data_size, state) ? MHD_YES
                                                                                                         : MHD_NO;
}

void completed_cb(void* cls, MHD_Connection*, void** state, enum MHD_RequestTerminationCode) {
  static_cast<HttpServer*>(cls)->on_completed(state);
}

void log_cb(void*, const char* fmt, va_list ap) {
  // libmicrohttpd's own messages (bind errors, limits) go to stderr; they carry no bodies.
  fputs("omega-settingsd: libmicrohttpd: ", stderr);
  vfprintf(stderr, fmt, ap);
}

}  // namespace

HttpServer::HttpServer(ServerLimits limits, Handler handler, Observer observer)
    : limits_(limits), handler_(std::move(handler)), observer_(std::move(observer)) {}

HttpServer::~HttpServer() { stop(); }

int HttpServer::on_request(void* connection, const char* url, const char* method, const char* upload_data,
                           size_t* upload_data_size, void** state) {
  auto* c = static_cast<MHD_Connection*>(connection);
  auto* st = static_cast<RequestState*>(*state);
  auto answer = [&](const HttpResponse& r) {
    observer_(st->req, r);
    return send(c, r, st->req.request_id) == MHD_YES;
  };
  if (!st) {
    st = new RequestState;
    *state = st;
    st->req.method = method;
    st->req.path = url;
    st->req.request_id = random_hex(8);
    st->req.source = client_address(c);
    MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, st);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_query, st);
    // Refuse ambiguous framing before reading a byte of the body; the connection is then
    // closed by libmicrohttpd because the body was not consumed.
    if (st->content_length_headers > 1)
      return answer(json_error(400, "bad_request", "duplicate Content-Length header"));
    auto te = st->req.headers.find("transfer-encoding");
    if (te != st->req.headers.end() &&
        (st->req.headers.count("transfer-encoding") > 1 || trim_lower(te->second) != "chunked"))
      return answer(json_error(400, "bad_request", "unsupported Transfer-Encoding (only chunked is accepted)"));
    auto cl = st->req.headers.find("content-length");
    if (cl != st->req.headers.end()) {
      const std::string& v = cl->second;
      bool digits = !v.empty() && v.size() <= 18;
      for (char ch : v) digits = digits && ch >= '0' && ch <= '9';
      if (!digits) return answer(json_error(400, "bad_request", "Content-Length is not a number"));
      if (std::stoull(v) > limits_.body_limit) return answer(too_large(limits_.body_limit));
    }
    return true;
  }
  if (*upload_data_size > 0) {
    if (st->req.body.size() + *upload_data_size > limits_.body_limit) {
      // A chunked body crossed the cap. libmicrohttpd 0.9.75 cannot queue a response before
      // the upload ends, and the client may never end it: close the connection now.
      observer_(st->req, too_large(limits_.body_limit));
      return false;
    }
    st->req.body.append(upload_data, *upload_data_size);
    *upload_data_size = 0;
    return true;
  }
  return answer(handler_(st->req));
}

void HttpServer::on_completed(void** state) {
  delete static_cast<RequestState*>(*state);
  *state = nullptr;
}

bool HttpServer::start(const std::string& host, int port, std::string* error) {
  sockaddr_storage addr{};
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
  std::string h = host == "localhost" ? "127.0.0.1" : host;
  if (inet_pton(AF_INET, h.c_str(), &reinterpret_cast<sockaddr_in*>(&addr)->sin_addr) == 1) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(uint16_t(port));
  } else if (inet_pton(AF_INET6, h.c_str(), &reinterpret_cast<sockaddr_in6*>(&addr)->sin6_addr) == 1) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(uint16_t(port));
    flags |= MHD_USE_IPv6;
  } else {
    *error = "--listen host must be an IP address (got '" + host + "')";
    return false;
  }
  daemon_ = MHD_start_daemon(flags, uint16_t(port), nullptr, nullptr, &access_cb, this, MHD_OPTION_EXTERNAL_LOGGER,
                             &log_cb, nullptr, MHD_OPTION_NOTIFY_COMPLETED, &completed_cb, this, MHD_OPTION_SOCK_ADDR,
                             reinterpret_cast<sockaddr*>(&addr), MHD_OPTION_THREAD_POOL_SIZE, unsigned(limits_.threads),
                             MHD_OPTION_CONNECTION_LIMIT, unsigned(limits_.max_connections),
                             MHD_OPTION_PER_IP_CONNECTION_LIMIT, unsigned(limits_.per_ip_connections),
                             MHD_OPTION_CONNECTION_TIMEOUT, unsigned(limits_.idle_timeout_s), MHD_OPTION_END);
  if (!daemon_) {
    *error = "cannot listen on " + host + ":" + std::to_string(port) + " (address in use or not available)";
    return false;
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
  port_ = info ? info->port : port;
  return true;
}

void HttpServer::stop() {
  if (daemon_) MHD_stop_daemon(daemon_);
  daemon_ = nullptr;
}

}  // namespace omega::settingsd
