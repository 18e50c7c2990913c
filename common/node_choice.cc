#include "node_choice.h"

#include <algorithm>
#include <random>
#include <vector>

namespace omega::redis {
namespace {

std::minstd_rand& rng() {
  thread_local std::minstd_rand r{std::random_device{}()};
  return r;
}

std::string host_port(const std::string& host, int port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// The endpoint of one concrete node: the URL's credentials, TLS and db, this host and port.
Endpoint node_endpoint(const Endpoint& ep, const std::string& host, int port) {
  Endpoint n = ep;
  n.topology = Topology::kStandalone;
  n.host = host;
  n.port = port;
  return n;
}

// A Sentinel's own endpoint: its credentials, not the data nodes'.
Endpoint sentinel_endpoint(const Endpoint& ep, const HostPort& s) {
  Endpoint n = node_endpoint(ep, s.host, s.port);
  n.user = ep.sentinel_user;
  n.password = ep.sentinel_password;
  n.db = 0;
  return n;
}

HostPort parse_target(const std::string& target) {
  size_t colon = target.rfind(':');
  if (colon == std::string::npos) throw ConnError("bad node address in a redirect: " + target);
  HostPort hp{target.substr(0, colon), std::atoi(target.c_str() + colon + 1)};
  if (!hp.host.empty() && hp.host.front() == '[') hp.host = hp.host.substr(1, hp.host.size() - 2);
  return hp;
}

// What `SENTINEL replicas` says of one replica, as a field -> value lookup.
std::string field(ReplyView fields, const char* name) {
  for (size_t i = 0; i + 1 < fields.size(); i += 2)
    if (fields[i].is(name)) return std::string(fields[i + 1].text());
  return "";
}

struct Choice {
  HostPort node;
  bool primary;
  std::string via;  // for messages: which Sentinel or seed said so
};

Choice ask_sentinels(const Endpoint& ep, int wake_fd, Clock::time_point deadline) {
  std::vector<HostPort> order = ep.seeds;
  std::shuffle(order.begin(), order.end(), rng());
  std::string errors;
  for (const HostPort& s : order) {
    std::string where = "Sentinel " + host_port(s.host, s.port);
    try {
      Connection c(sentinel_endpoint(ep, s), wake_fd, deadline);
      Reply master = c.command({"SENTINEL", "get-master-addr-by-name", ep.master_name}, deadline);
      if (master.is_error()) throw ConnError(where + " refused: " + std::string(master.text()));
      if (!master.is_array() || master.size() != 2)
        throw ConnError(where + " knows no master named '" + ep.master_name + "'");
      HostPort primary{std::string(master[0].text()), std::atoi(std::string(master[1].text()).c_str())};
      if (ep.role == Role::kPrimary) return {primary, true, where};
      Reply replicas = c.command({"SENTINEL", "replicas", ep.master_name}, deadline);
      std::vector<HostPort> healthy;
      for (size_t i = 0; i < replicas.size(); ++i) {
        ReplyView r = replicas[i];
        std::string flags = field(r, "flags");
        if (flags.find("s_down") != std::string::npos || flags.find("o_down") != std::string::npos ||
            flags.find("disconnected") != std::string::npos || field(r, "master-link-status") != "ok")
          continue;
        healthy.push_back({field(r, "ip"), std::atoi(field(r, "port").c_str())});
      }
      if (healthy.empty()) return {primary, true, where};  // reading from the primary beats not reading
      return {healthy[std::uniform_int_distribution<size_t>(0, healthy.size() - 1)(rng())], false, where};
    } catch (const ConnError& e) {
      errors += std::string(errors.empty() ? "" : "; ") + e.what();
    }
  }
  throw ConnError("no Sentinel could name the '" + ep.master_name + "' node: " + errors);
}

// The slot's primary and replicas from a seed: CLUSTER KEYSLOT, then CLUSTER SLOTS.
Choice ask_cluster(const Endpoint& ep, const Route& route, int wake_fd, Clock::time_point deadline) {
  std::vector<HostPort> order = ep.seeds;
  std::shuffle(order.begin(), order.end(), rng());
  std::string errors;
  for (const HostPort& seed : order) {
    std::string where = "cluster seed " + host_port(seed.host, seed.port);
    try {
      Connection c(node_endpoint(ep, seed.host, seed.port), wake_fd, deadline);
      auto replies = c.pipeline({{"CLUSTER", "KEYSLOT", route.routing_key}, {"CLUSTER", "SLOTS"}}, deadline);
      if (replies[0].is_error() || replies[1].is_error())
        throw ConnError(where + " refused CLUSTER KEYSLOT/SLOTS: " +
                        std::string(replies[0].is_error() ? replies[0].text() : replies[1].text()));
      long long slot = replies[0].integer();
      for (size_t i = 0; i < replies[1].size(); ++i) {
        ReplyView range = replies[1][i];
        if (range.size() < 3 || slot < range[0].integer() || slot > range[1].integer()) continue;
        auto node = [&](size_t k) { return HostPort{std::string(range[k][0].text()), int(range[k][1].integer())}; };
        if (ep.role == Role::kPrimary || range.size() == 3) return {node(2), true, where};
        size_t pick = std::uniform_int_distribution<size_t>(3, range.size() - 1)(rng());
        return {node(pick), false, where};
      }
      throw ConnError(where + ": no node serves slot " + std::to_string(slot));
    } catch (const ConnError& e) {
      errors += std::string(errors.empty() ? "" : "; ") + e.what();
    }
  }
  throw ConnError("no cluster seed answered: " + errors);
}

// ROLE says "master" or "slave" first.
void verify_role(Connection& c, bool primary, const std::string& via, Clock::time_point deadline) {
  Reply role = c.command({"ROLE"}, deadline);
  if (role.is_error()) return;  // a user without ROLE: trust the Sentinel
  bool is_primary = role.size() > 0 && role[0].is("master");
  if (is_primary != primary)
    throw ConnError("Redis at " + c.where() + " is " + (is_primary ? "a primary" : "a replica") + ", but " + via +
                    " named it " + (primary ? "the primary" : "a replica") + " (a failover in progress?)");
}

}  // namespace

void check_redirect(ReplyView r) {
  if (!r.is_error()) return;
  std::string_view text = r.text();
  for (std::string_view kind : {"MOVED ", "ASK "}) {
    if (text.rfind(kind, 0) != 0) continue;
    size_t space = text.rfind(' ');
    throw Redirected("cluster " + std::string(text), std::string(text.substr(space + 1)));
  }
}

std::unique_ptr<Connection> connect(const Endpoint& ep, const Route& route, int wake_fd, Clock::time_point deadline) {
  switch (ep.topology) {
    case Topology::kStandalone:
      return std::make_unique<Connection>(ep, wake_fd, deadline);
    case Topology::kSentinel: {
      Choice choice = ask_sentinels(ep, wake_fd, deadline);
      auto c = std::make_unique<Connection>(node_endpoint(ep, choice.node.host, choice.node.port), wake_fd, deadline);
      verify_role(*c, choice.primary, choice.via, deadline);
      return c;
    }
    case Topology::kCluster: {
      Choice choice;
      if (!route.preferred.empty()) choice = {parse_target(route.preferred), true, "a MOVED reply"};
      else choice = ask_cluster(ep, route, wake_fd, deadline);
      auto c = std::make_unique<Connection>(node_endpoint(ep, choice.node.host, choice.node.port), wake_fd, deadline);
      if (!choice.primary) {
        Reply ok = c->command({"READONLY"}, deadline);  // reads from a replica of the slot
        if (ok.is_error()) throw ConnError("Redis at " + c->where() + " refused READONLY: " + std::string(ok.text()));
      }
      return c;
    }
  }
  throw ConnError("unknown topology");
}

}  // namespace omega::redis
