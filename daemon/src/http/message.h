// The daemon's own request and response values, so handlers never see libmicrohttpd.
#pragma once

#include <map>
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

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // For the metrics of mutating routes: what happened ("applied", "noop", …). "" = derive
  // it from the status.
  std::string outcome;
};

// {"error":code,"message":message,"details":details}; takes ownership of details (an array;
// nullptr gives []).
HttpResponse json_error(int status, const std::string& code, const std::string& message, cJSON* details = nullptr);
// The same with details [{"key","message"}…].
HttpResponse json_error(int status, const std::string& code, const std::string& message,
                        const std::vector<Problem>& problems);
HttpResponse json_ok(int status, const std::string& body);

}  // namespace omega::settingsd
