// The daemon's own request/response values, so routes and the writer never see libmicrohttpd.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <cjson/cJSON.h>

namespace omega::settingsd {

struct HttpRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string source;      // client address
  std::string request_id;  // generated per request, echoed as X-Request-Id

  // The first value of a header ("" when absent).
  std::string header(const std::string &lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// {"error":code,"message":message,"details":details} — takes ownership of `details`
// (an array; nullptr gives []).
HttpResponse json_error(int status, const std::string &code, const std::string &message,
                        cJSON *details = nullptr);
HttpResponse json_ok(int status, const std::string &body);

}  // namespace omega::settingsd
