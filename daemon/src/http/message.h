// The daemon's own request and response values, so handlers never see libmicrohttpd.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <cjson/cJSON.h>

#include "model/validated_env.h"

namespace omega::settingsd {

struct HttpRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string version;     // "HTTP/1.1"
  std::string source;      // client address
  std::string request_id;  // generated per request, echoed as X-Request-Id

  // The first value of a header ("" when absent).
  std::string header(const std::string& lower_name) const;
};

struct Deferred;

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // For the metrics of mutating routes: what happened ("applied", "noop", …). "" = derive
  // it from the status.
  std::string outcome;
  // Set: no answer yet (a long poll). The server parks the connection without holding a
  // worker thread and asks `deferred` again when woken or at its deadline.
  std::shared_ptr<Deferred> deferred;
};

// An answer that waits for something (GET /config?wait=S: a new version). The server asks
// again after HttpServer::wake_deferred() and at the deadline.
struct Deferred {
  std::chrono::steady_clock::time_point deadline;
  // The answer now, or nullopt to keep waiting; `final` (the deadline passed, or the server
  // is stopping) must give one.
  std::function<std::optional<HttpResponse>(bool final)> answer;
};

// {"error":code,"message":message,"details":details}; takes ownership of details (an array;
// nullptr gives []).
HttpResponse json_error(int status, const std::string& code, const std::string& message, cJSON* details = nullptr);
// The same with details [{"key","message"}…].
HttpResponse json_error(int status, const std::string& code, const std::string& message,
                        const std::vector<Problem>& problems);
HttpResponse json_ok(int status, const std::string& body);

// Whether an If-None-Match header names etag: a list of tags, compared weakly (RFC 9110
// 13.1.2: W/"N" matches "N"); * matches anything. GET /config and the console share it.
bool if_none_match_hits(const std::string& header, const std::string& etag);

}  // namespace omega::settingsd
