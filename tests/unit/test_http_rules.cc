// The HTTP layer's pure rules: the Host header (writer guarantee 10) and who may hold a
// connection (writer guarantee 8). End-to-end tests in tests/daemon drive the same rules over
// real sockets; these cover what loopback tests cannot reach (addresses other than loopback).
#include <criterion/criterion.h>

#include "http/connection_budget.h"
#include "http/host_check.h"

using omega::settingsd::ConnectionBudget;
using omega::settingsd::HostCheck;
using omega::settingsd::HttpRequest;

namespace {

int status_for(const HostCheck& check, std::initializer_list<const char*> hosts, const char* version = "HTTP/1.1") {
  HttpRequest req;
  for (const char* h : hosts) req.headers.emplace("host", h);
  auto refused = check.refuse(req, version);
  return refused ? refused->status : 200;
}

}  // namespace

Test(connection_budget, per_address_share_applies_to_remote_clients_only) {
  ConnectionBudget budget(64, 2);
  for (int i = 0; i < 2; ++i) {
    cr_assert(budget.may_open("10.0.0.5", false));
    budget.opened("10.0.0.5", false);
  }
  cr_assert_not(budget.may_open("10.0.0.5", false), "a third connection from one remote address");
  cr_assert(budget.may_open("10.0.0.6", false), "another address has its own share");
  for (int i = 0; i < 20; ++i) {
    cr_assert(budget.may_open("127.0.0.1", true), "loopback clients must not be locked out (%d)", i);
    budget.opened("127.0.0.1", true);
  }
  budget.closed("10.0.0.5", false);
  cr_assert(budget.may_open("10.0.0.5", false), "a closed connection frees its share");
}

Test(connection_budget, probes_have_a_reserve_beyond_the_total) {
  ConnectionBudget budget(4, 100);
  for (int i = 0; i < 4; ++i) budget.opened("127.0.0.1", true);
  cr_assert_not(budget.over_capacity(0), "four of four general connections is not over");
  budget.opened("127.0.0.1", true);  // a fifth: a probe, or one more request
  cr_assert(budget.over_capacity(0), "a fifth general request is over capacity (503)");
  cr_assert_not(budget.over_capacity(1), "but a fifth connection serving a probe is within the reserve");
  for (int i = 5; i < budget.hard_limit(); ++i) budget.opened("127.0.0.1", true);
  cr_assert_not(budget.may_open("127.0.0.1", true), "the hard limit holds for everyone");
}

Test(host_check, ip_literals_are_always_served) {
  HostCheck check("127.0.0.1", {});
  for (const char* h : {"10.1.2.3", "10.1.2.3:9421", "[::1]", "[fd00::5]:9421", "127.0.0.1"})
    cr_assert_eq(status_for(check, {h}), 200, "%s", h);
}

Test(host_check, names_need_the_allow_list) {
  HostCheck check("127.0.0.1", {"cfg.internal"});
  cr_assert_eq(status_for(check, {"localhost:9421"}), 200);
  cr_assert_eq(status_for(check, {"CFG.internal"}), 200, "names ignore case");
  cr_assert_eq(status_for(check, {"evil.example"}), 421);
  cr_assert_eq(status_for(check, {"127.0.0.1.evil.example"}), 421);
}

Test(host_check, malformed_duplicated_or_missing_host_is_400) {
  HostCheck check("127.0.0.1", {});
  for (const char* h :
       {"127.0.0.1:abc", "127.0.0.1:99999", "127.0.0.1:", "127.0.0.1 x", "a\tb", "[::1", "[::1]x", "[zz::1]", ""})
    cr_assert_eq(status_for(check, {h}), 400, "Host '%s'", h);
  cr_assert_eq(status_for(check, {"127.0.0.1", "127.0.0.1"}), 400, "two Host headers");
  cr_assert_eq(status_for(check, {}), 400, "HTTP/1.1 without Host");
  cr_assert_eq(status_for(check, {}, "HTTP/1.0"), 200, "HTTP/1.0 may omit it");
}
