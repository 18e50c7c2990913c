// The connection layer's pure parts for Sentinel and cluster (reader guarantee 13): the URL
// forms, their refusals, and the cluster hash slot the {omega} setting relies on. The real
// Sentinels and cluster are driven by tests/python (the failover drills) and tests/daemon.
#include <criterion/criterion.h>

#include <string>

#include "node_choice.h"
#include "redis_endpoint.h"

using omega::redis::Endpoint;
using omega::redis::parse_url;
using omega::redis::Role;
using omega::redis::Topology;
using omega::redis::UrlError;

namespace {

std::string refusal(const char* url) {
  try {
    parse_url(url);
  } catch (const UrlError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

Test(redis_url, sentinel_forms) {
  Endpoint ep =
      parse_url("redis-sentinel://:pw@10.0.0.1:26379,[::1]:26380,s3/mymaster/2?role=master&sentinel_password=sp");
  cr_assert_eq(ep.topology, Topology::kSentinel);
  cr_assert_eq(ep.seeds.size(), 3u);
  cr_assert_str_eq(ep.seeds[0].host.c_str(), "10.0.0.1");
  cr_assert_eq(ep.seeds[1].port, 26380);
  cr_assert_str_eq(ep.seeds[1].host.c_str(), "::1");
  cr_assert_eq(ep.seeds[2].port, 26379, "the Sentinel default port");
  cr_assert_str_eq(ep.master_name.c_str(), "mymaster");
  cr_assert_eq(ep.db, 2);
  cr_assert_eq(ep.role, Role::kPrimary);
  cr_assert_str_eq(ep.password.c_str(), "pw");
  cr_assert_str_eq(ep.sentinel_password.c_str(), "sp");
  cr_assert_eq(parse_url("redis-sentinel://s1/m").role, Role::kReplica, "readers default to a replica");
  cr_assert(parse_url("rediss-sentinel://s1/m").tls.enabled);
}

Test(redis_url, cluster_forms) {
  Endpoint ep = parse_url("redis-cluster://127.0.0.1:7000,127.0.0.1:7001?role=replica");
  cr_assert_eq(ep.topology, Topology::kCluster);
  cr_assert_eq(ep.seeds.size(), 2u);
  cr_assert_eq(ep.seeds[1].port, 7001);
  cr_assert(parse_url("rediss-cluster://n1:7000").tls.enabled);
  cr_assert_eq(parse_url("redis-cluster://n1").seeds[0].port, 6379);
}

Test(redis_url, refusals_say_why) {
  cr_assert(refusal("redis-sentinel://s1:26379").find("master's name") != std::string::npos);
  cr_assert(refusal("redis-cluster://n1:7000/3").find("only db 0") != std::string::npos);
  cr_assert(refusal("redis://a:1,b:2").find("redis-sentinel:// or redis-cluster://") != std::string::npos);
  cr_assert(refusal("redis://h?role=master").find("for redis-sentinel:// and redis-cluster://") != std::string::npos);
  cr_assert(refusal("redis-cluster://n1?sentinel_user=u").find("for redis-sentinel://") != std::string::npos);
  cr_assert(refusal("redis-sentinel://s1/m?role=leader").find("replica or master") != std::string::npos);
  std::string secret = refusal("redis-sentinel://s1/m?sentinel_passwort=hunter2");
  cr_assert(!secret.empty() && secret.find("hunter2") == std::string::npos, "never echoes a query value");
}

Test(cluster_slot, crc16_and_hash_tags) {
  using omega::redis::key_slot;
  cr_assert_eq(key_slot("foo"), 12182);  // Redis Cluster specification's examples
  cr_assert_eq(key_slot("123456789"), 0x31C3 & 16383);
  cr_assert_eq(key_slot("{user1000}.following"), key_slot("user1000"));
  cr_assert_eq(key_slot("foo{}{bar}"), key_slot("foo{}{bar}"), "an empty tag hashes the whole key");
  cr_assert_neq(key_slot("foo{}{bar}"), key_slot("bar"));
  cr_assert_eq(key_slot("{omega}:omega:config"), key_slot("omega"));
  cr_assert_eq(key_slot("{omega}:omega:config:meta"), key_slot("{omega}:omega:config:version"));
}

Test(cluster_slot, keys_in_different_slots_are_refused_with_the_fix) {
  Endpoint cluster = parse_url("redis-cluster://n1:7000");
  cr_assert(omega::redis::cluster_slot_problem(cluster, "{omega}:omega:config", "{omega}:omega:config:version",
                                               "{omega}:omega:config:meta")
                .empty());
  std::string why =
      omega::redis::cluster_slot_problem(cluster, "omega:config", "omega:config:version", "omega:config:meta");
  cr_assert(why.find("{omega}") != std::string::npos && why.find("namespace_prefix") != std::string::npos, "%s",
            why.c_str());
  cr_assert(omega::redis::cluster_slot_problem(parse_url("redis://h"), "a", "b", "c").empty(), "not a cluster");
}
