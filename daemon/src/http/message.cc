#include "http/message.h"

#include "model/json_tree.h"

namespace omega::settingsd {

std::string HttpRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpResponse json_error(int status, const std::string& code, const std::string& message, cJSON* details) {
  JsonPtr root(cJSON_CreateObject());
  cJSON_AddStringToObject(root.get(), "error", code.c_str());
  cJSON_AddStringToObject(root.get(), "message", message.c_str());
  cJSON_AddItemToObject(root.get(), "details", details ? details : cJSON_CreateArray());
  HttpResponse r;
  r.status = status;
  r.body = json_print(root.get()) + "\n";
  return r;
}

HttpResponse json_error(int status, const std::string& code, const std::string& message,
                        const std::vector<Problem>& problems) {
  cJSON* details = cJSON_CreateArray();
  for (const auto& p : problems) {
    cJSON* d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "key", p.key.c_str());
    cJSON_AddStringToObject(d, "message", p.message.c_str());
    if (!p.type.empty()) cJSON_AddStringToObject(d, "type", p.type.c_str());
    if (cJSON* loc = p.loc_json.empty() ? nullptr : parse_strict_json(p.loc_json, 4, nullptr))
      cJSON_AddItemToObject(d, "loc", loc);
    cJSON_AddItemToArray(details, d);
  }
  return json_error(status, code, message, details);
}

bool if_none_match_hits(const std::string& header, const std::string& etag) {
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t comma = header.find(',', pos);
    std::string tag = header.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    tag.erase(0, tag.find_first_not_of(" \t"));
    tag.erase(tag.find_last_not_of(" \t") + 1);
    if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);
    if (tag == etag || tag == "*") return true;
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return false;
}

HttpResponse json_ok(int status, const std::string& body) {
  HttpResponse r;
  r.status = status;
  r.body = body + "\n";
  return r;
}

}  // namespace omega::settingsd
