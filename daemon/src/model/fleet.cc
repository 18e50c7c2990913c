#include "model/fleet.h"

#include <cstdlib>

#include "model/json_tree.h"
#include "wire_format.h"

namespace omega::settingsd {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

int64_t to_int(std::string_view s) {
  std::optional<uint64_t> v = wire::parse_decimal(s);
  return v && *v <= static_cast<uint64_t>(INT64_MAX) ? static_cast<int64_t>(*v) : 0;
}

bool is_subscriber(const ClientInfo& c) { return c.sub > 0 || c.psub > 0; }

}  // namespace

std::vector<ClientInfo> parse_client_list(std::string_view text) {
  std::vector<ClientInfo> out;
  for (std::string_view line : split(text, '\n')) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty()) continue;
    ClientInfo c;
    for (std::string_view field : split(line, ' ')) {
      size_t eq = field.find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view k = field.substr(0, eq), v = field.substr(eq + 1);
      if (k == "addr")
        c.addr = v;
      else if (k == "name")
        c.name = v;
      else if (k == "idle")
        c.idle_s = to_int(v);
      else if (k == "sub")
        c.sub = to_int(v);
      else if (k == "psub")
        c.psub = to_int(v);
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<NodeAddress> parse_replicas(std::string_view info) {
  std::vector<NodeAddress> out;
  for (std::string_view line : split(info, '\n')) {
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.rfind("slave", 0) != 0) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 5) continue;
    bool digits = true;
    for (char ch : line.substr(5, colon - 5)) digits = digits && ch >= '0' && ch <= '9';
    if (!digits) continue;  // slave_read_only:1, slave_repl_offset:…
    NodeAddress a;
    for (std::string_view field : split(line.substr(colon + 1), ',')) {
      size_t eq = field.find('=');
      if (eq == std::string_view::npos) continue;
      if (field.substr(0, eq) == "ip") a.host = field.substr(eq + 1);
      if (field.substr(0, eq) == "port") a.port = static_cast<int>(to_int(field.substr(eq + 1)));
    }
    if (!a.host.empty() && a.port > 0 && a.port < 65536) out.push_back(a);
  }
  return out;
}

std::optional<ReaderName> parse_reader_name(std::string_view name) {
  std::vector<std::string_view> parts = split(name, ':');
  if (parts.size() < 6 || parts[0] != "omega") return std::nullopt;
  size_t n = parts.size();
  ReaderName r;
  r.service = parts[1];
  r.state = parts[n - 1];
  std::string_view ver = parts[n - 2];
  std::optional<uint64_t> pid = wire::parse_decimal(parts[n - 3]);
  if (r.service.empty() || ver.size() < 2 || ver[0] != 'v' || !pid) return std::nullopt;
  std::optional<uint64_t> version = wire::parse_decimal(ver.substr(1));
  if (!version || *version > wire::kMaxVersion || *pid > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  if (r.state != "READY" && r.state != "STALE" && r.state != "ERROR") return std::nullopt;
  for (size_t i = 2; i + 3 < n; ++i) r.host += std::string(i > 2 ? ":" : "") + std::string(parts[i]);
  if (r.host.empty()) return std::nullopt;
  r.pid = static_cast<int64_t>(*pid);
  r.version = *version;
  return r;
}

FleetSummary summarize(const std::vector<FleetNode>& nodes) {
  FleetSummary s;
  for (const FleetNode& node : nodes)
    for (const ClientInfo& c : node.clients) {
      if (auto r = parse_reader_name(c.name))
        ++s.readers[{r->version, r->state}];
      else if (is_subscriber(c) && c.name.rfind("omega:", 0) != 0)
        ++s.unnamed_subscribers;
    }
  return s;
}

std::string fleet_json(const std::vector<FleetNode>& nodes) {
  JsonPtr root(cJSON_CreateObject());
  cJSON* readers = cJSON_AddArrayToObject(root.get(), "readers");
  std::map<uint64_t, int> by_version;
  for (const FleetNode& node : nodes)
    for (const ClientInfo& c : node.clients) {
      std::optional<ReaderName> r = parse_reader_name(c.name);
      if (!r) continue;
      ++by_version[r->version];
      cJSON* item = cJSON_CreateObject();
      cJSON_AddStringToObject(item, "service", r->service.c_str());
      cJSON_AddStringToObject(item, "host", r->host.c_str());
      cJSON_AddNumberToObject(item, "pid", static_cast<double>(r->pid));
      cJSON_AddStringToObject(item, "version", std::to_string(r->version).c_str());
      cJSON_AddStringToObject(item, "state", r->state.c_str());
      cJSON_AddStringToObject(item, "addr", c.addr.c_str());
      cJSON_AddStringToObject(item, "node", node.node.c_str());
      cJSON_AddNumberToObject(item, "idle_s", static_cast<double>(c.idle_s));
      cJSON_AddItemToArray(readers, item);
    }
  cJSON* counts = cJSON_AddObjectToObject(root.get(), "by_version");
  for (const auto& [version, n] : by_version) cJSON_AddNumberToObject(counts, std::to_string(version).c_str(), n);
  cJSON_AddNumberToObject(root.get(), "unnamed_subscribers", summarize(nodes).unnamed_subscribers);
  cJSON* list = cJSON_AddArrayToObject(root.get(), "nodes");
  for (const FleetNode& node : nodes) {
    cJSON* item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "node", node.node.c_str());
    cJSON_AddStringToObject(item, "role", node.role.c_str());
    if (!node.error.empty()) cJSON_AddStringToObject(item, "error", node.error.c_str());
    cJSON_AddItemToArray(list, item);
  }
  return json_print(root.get());
}

}  // namespace omega::settingsd
