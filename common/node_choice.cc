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

// A share of what is left before the deadline for one of `left` remaining attempts, so that
// one hung Sentinel or seed (SIGSTOP, a partition) cannot use up the whole connect timeout.
Clock::time_point slice(Clock::time_point deadline, size_t left) {
  auto now = Clock::now();
  if (left <= 1 || deadline <= now) return deadline;
  return now + (deadline - now) / static_cast<long>(left);
}

// What one Sentinel says of the master: its address, whether it thinks it down, the
// configuration epoch of that view (raised by every failover), and the healthy replicas.
struct SentinelView {
  std::string where;
  HostPort primary;
  bool primary_down = false;
  long long config_epoch = -1;
  std::vector<HostPort> replicas;  // healthy ones only (asked only for the replica role)
};

SentinelView ask_sentinel(const Endpoint& ep, const HostPort& s, bool want_replicas, int wake_fd,
                          Clock::time_point deadline) {
  SentinelView v;
  v.where = "Sentinel " + host_port(s.host, s.port);
  Connection c(sentinel_endpoint(ep, s), wake_fd, deadline);
  std::vector<Command> cmds = {{"SENTINEL", "MASTER", ep.master_name}};
  if (want_replicas) cmds.push_back({"SENTINEL", "REPLICAS", ep.master_name});
  std::vector<Reply> replies = c.pipeline(cmds, deadline);
  const Reply& master = replies[0];
  if (master.is_error()) {
    std::string text(master.text());
    if (text.find("No such master") != std::string::npos)
      throw ConnError(v.where + " knows no master named '" + ep.master_name + "'");
    throw ConnError(v.where + " refused SENTINEL MASTER: " + text);
  }
  if (!master.is_array()) throw ConnError(v.where + ": unexpected SENTINEL MASTER reply");
  v.primary = {field(master, "ip"), std::atoi(field(master, "port").c_str())};
  if (v.primary.host.empty() || v.primary.port <= 0)
    throw ConnError(v.where + " gave no address for '" + ep.master_name + "'");
  std::string flags = field(master, "flags");
  // Not "disconnected": a Sentinel sets it for a moment on the new primary right after
  // +switch-master, before its link to it is up.
  v.primary_down = flags.find("s_down") != std::string::npos || flags.find("o_down") != std::string::npos;
  v.config_epoch = std::atoll(field(master, "config-epoch").c_str());
  if (!want_replicas) return v;
  // A user without SENTINEL REPLICAS (an error reply) reads from the primary.
  const Reply& replicas = replies[1];
  for (size_t i = 0; replicas.is_array() && i < replicas.size(); ++i) {
    ReplyView r = replicas[i];
    std::string rflags = field(r, "flags");
    if (rflags.find("s_down") != std::string::npos || rflags.find("o_down") != std::string::npos ||
        rflags.find("disconnected") != std::string::npos || field(r, "master-link-status") != "ok")
      continue;
    v.replicas.push_back({field(r, "ip"), std::atoi(field(r, "port").c_str())});
  }
  return v;
}

// ROLE says "master" or "slave" first.
void verify_role(Connection& c, bool primary, const std::string& via, Clock::time_point deadline) {
  Reply role = c.command({"ROLE"}, deadline);
  if (role.is_error()) return;  // a user without ROLE: trust the Sentinel
  bool is_primary = role.is_array() && role.size() > 0 && role[0].is("master");
  if (is_primary != primary)
    throw ConnError("Redis at " + c.where() + " is " + (is_primary ? "a primary" : "a replica") + ", but " + via +
                    " named it " + (primary ? "the primary" : "a replica") + " (a failover in progress?)");
}

std::unique_ptr<Connection> connect_node(const Endpoint& ep, const Choice& choice, int wake_fd,
                                         Clock::time_point deadline) {
  auto c = std::make_unique<Connection>(node_endpoint(ep, choice.node.host, choice.node.port), wake_fd, deadline);
  verify_role(*c, choice.primary, choice.via, deadline);
  return c;
}

std::string down_message(const SentinelView& v) {
  return v.where + " reports the primary " + host_port(v.primary.host, v.primary.port) +
         " down (a failover in progress?)";
}

// The primary: every Sentinel that answers is asked, and the view with the highest
// configuration epoch wins (a Sentinel cut off during a failover still names the old
// primary, which may be back and still think itself the primary until it is converted).
std::unique_ptr<Connection> connect_primary(const Endpoint& ep, int wake_fd, Clock::time_point deadline) {
  std::vector<HostPort> order = ep.seeds;
  std::shuffle(order.begin(), order.end(), rng());
  std::string errors;
  std::vector<SentinelView> views;
  for (size_t i = 0; i < order.size(); ++i) {
    try {
      views.push_back(ask_sentinel(ep, order[i], false, wake_fd, slice(deadline, order.size() - i + 1)));
    } catch (const ConnError& e) {
      errors += std::string(errors.empty() ? "" : "; ") + e.what();
    }
  }
  if (views.empty()) throw ConnError("no Sentinel could name the '" + ep.master_name + "' primary: " + errors);
  const SentinelView* best = &views[0];
  for (const SentinelView& v : views)  // the newest view; at equal epochs, one that sees the primary up
    if (v.config_epoch > best->config_epoch ||
        (v.config_epoch == best->config_epoch && best->primary_down && !v.primary_down))
      best = &v;
  if (best->primary_down) throw ConnError(down_message(*best));
  return connect_node(ep, {best->primary, true, best->where}, wake_fd, deadline);
}

// A reader: the Sentinels in random order until one names a node that confirms its role: a
// random healthy replica (so a fleet spreads over them), else the primary.
std::unique_ptr<Connection> connect_replica(const Endpoint& ep, int wake_fd, Clock::time_point deadline,
                                            bool* fell_back) {
  std::vector<HostPort> order = ep.seeds;
  std::shuffle(order.begin(), order.end(), rng());
  std::string errors;
  for (size_t i = 0; i < order.size(); ++i) {
    try {
      Clock::time_point mine = slice(deadline, order.size() - i);
      SentinelView v = ask_sentinel(ep, order[i], true, wake_fd, mine);
      Choice choice{v.primary, true, v.where};
      if (!v.replicas.empty())
        choice = {v.replicas[std::uniform_int_distribution<size_t>(0, v.replicas.size() - 1)(rng())], false, v.where};
      else if (v.primary_down)
        throw ConnError(down_message(v) + " and names no healthy replica");
      auto c = connect_node(ep, choice, wake_fd, mine);
      if (fell_back) *fell_back = choice.primary;
      return c;
    } catch (const ConnError& e) {
      errors += std::string(errors.empty() ? "" : "; ") + e.what();
    }
  }
  throw ConnError("no Sentinel could name a '" + ep.master_name + "' node to read from: " + errors);
}

// The slot's primary and replicas from a seed: CLUSTER KEYSLOT, then CLUSTER SLOTS.
Choice ask_cluster(const Endpoint& ep, const Route& route, int wake_fd, Clock::time_point deadline) {
  std::vector<HostPort> order = ep.seeds;
  std::shuffle(order.begin(), order.end(), rng());
  std::string errors;
  for (size_t i = 0; i < order.size(); ++i) {
    const HostPort& seed = order[i];
    std::string where = "cluster seed " + host_port(seed.host, seed.port);
    try {
      Clock::time_point mine = slice(deadline, order.size() - i + 1);  // a share left to connect to the node
      Connection c(node_endpoint(ep, seed.host, seed.port), wake_fd, mine);
      auto replies = c.pipeline({{"CLUSTER", "KEYSLOT", route.routing_key}, {"CLUSTER", "SLOTS"}}, mine);
      if (replies[0].is_error() || replies[1].is_error())
        throw ConnError(where + " refused CLUSTER KEYSLOT/SLOTS: " +
                        std::string(replies[0].is_error() ? replies[0].text() : replies[1].text()));
      long long slot = replies[0].integer();
      for (size_t i = 0; i < replies[1].size(); ++i) {
        ReplyView range = replies[1][i];
        if (range.size() < 3 || slot < range[0].integer() || slot > range[1].integer()) continue;
        for (size_t k = 2; k < range.size(); ++k)
          if (range[k].size() < 2) throw ConnError(where + ": a malformed CLUSTER SLOTS reply");
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

}  // namespace

int key_slot(std::string_view key) {
  size_t open = key.find('{');
  if (open != std::string_view::npos) {
    size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) key = key.substr(open + 1, close - open - 1);
  }
  uint16_t crc = 0;  // CRC16-CCITT (XMODEM), as Redis Cluster computes it
  for (char ch : key) {
    crc ^= static_cast<uint16_t>(static_cast<unsigned char>(ch) << 8);
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021) : crc << 1;
  }
  return crc & 16383;
}

std::string cluster_slot_problem(const Endpoint& ep, std::string_view config_key, std::string_view version_key,
                                 std::string_view meta_key) {
  if (ep.topology != Topology::kCluster) return "";
  int slot = key_slot(config_key);
  if (key_slot(version_key) == slot && key_slot(meta_key) == slot) return "";
  return "a Redis Cluster needs the snapshot, version and meta keys in one hash slot (one MGET, one MULTI/EXEC): "
         "use a namespace prefix with a hash tag, e.g. {omega} (reader option namespace_prefix, daemon "
         "--key-prefix)";
}

void check_redirect(ReplyView r) {
  if (!r.is_error()) return;
  std::string_view text = r.text();
  if (text.rfind("MOVED ", 0) == 0)
    throw Redirected("cluster " + std::string(text), std::string(text.substr(text.rfind(' ') + 1)));
  // ASK: the slot is migrating and this node still owns it. The target would answer only
  // after ASKING, key by key; the seeds name the new owner once the migration ends.
  if (text.rfind("ASK ", 0) == 0) throw Redirected("cluster " + std::string(text) + " (slot migrating)", "");
}

std::string should_move(const Endpoint& ep, const HostPort& node, bool fell_back, int wake_fd,
                        Clock::time_point deadline) {
  if (ep.topology != Topology::kSentinel || ep.seeds.empty()) return "";
  const HostPort& s = ep.seeds[std::uniform_int_distribution<size_t>(0, ep.seeds.size() - 1)(rng())];
  try {
    SentinelView v = ask_sentinel(ep, s, fell_back, wake_fd, deadline);
    if (v.primary.host != node.host || v.primary.port != node.port)
      return v.where + " names " + host_port(v.primary.host, v.primary.port) + " the primary, not " +
             host_port(node.host, node.port);
    if (fell_back && !v.replicas.empty()) return v.where + " names a healthy replica again";
  } catch (const ConnError&) {
  }
  return "";
}

std::unique_ptr<Connection> connect(const Endpoint& ep, const Route& route, int wake_fd, Clock::time_point deadline,
                                    bool* fell_back) {
  if (fell_back) *fell_back = false;
  switch (ep.topology) {
    case Topology::kStandalone: return std::make_unique<Connection>(ep, wake_fd, deadline);
    case Topology::kSentinel:
      return ep.role == Role::kPrimary ? connect_primary(ep, wake_fd, deadline)
                                       : connect_replica(ep, wake_fd, deadline, fell_back);
    case Topology::kCluster: {
      // The node a MOVED named, tried first; when it cannot be reached (it failed since, or the
      // reply named no host), the seeds say where the slot is now.
      if (!route.preferred.empty()) {
        try {
          HostPort node = parse_target(route.preferred);
          return std::make_unique<Connection>(node_endpoint(ep, node.host, node.port), wake_fd, slice(deadline, 2));
        } catch (const ConnError&) {
        }
      }
      Choice choice = ask_cluster(ep, route, wake_fd, deadline);
      Endpoint node = node_endpoint(ep, choice.node.host, choice.node.port);
      node.readonly = !choice.primary;  // kept by endpoint(): a reconnect to this node reads the same way
      return std::make_unique<Connection>(node, wake_fd, deadline);
    }
  }
  throw ConnError("unknown topology");
}

}  // namespace omega::redis
