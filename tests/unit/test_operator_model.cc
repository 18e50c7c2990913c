// The operator surface's pure logic: what CLIENT LIST and INFO replication say and the names
// readers give themselves (the fleet view), and the diff the API shows (secrets only as
// "changed", URL credentials masked). tests/daemon drives them end to end against Redis.
#include <criterion/criterion.h>

#include "model/config_diff.h"
#include "model/fleet.h"

using namespace omega::settingsd;

Test(fleet, reader_names_parse_from_both_ends) {
  auto r = parse_reader_name("omega:billing:fd00::7:4242:v17:STALE");
  cr_assert(r.has_value());
  cr_assert_str_eq(r->service.c_str(), "billing");
  cr_assert_str_eq(r->host.c_str(), "fd00::7", "an IPv6 host keeps its colons");
  cr_assert_eq(r->pid, 4242);
  cr_assert_eq(r->version, 17u);
  cr_assert_str_eq(r->state.c_str(), "STALE");
  for (const char* bad : {"", "omega:", "omega:svc:h:1:v2", "omega::h:1:v2:READY", "omega:svc::1:v2:READY",
                          "omega:svc:h:x:v2:READY", "omega:svc:h:1:2:READY", "omega:svc:h:1:v:READY",
                          "omega:svc:h:1:v2:ready", "omega:svc:h:1:v99999999999999999:READY", "other:svc:h:1:v2:READY"})
    cr_assert_not(parse_reader_name(bad).has_value(), "%s", bad);
}

Test(fleet, client_list_and_replicas) {
  auto clients = parse_client_list(
      "id=3 addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=8 name=omega:svc:h:1:v2:READY age=3 idle=4 flags=P db=0 "
      "sub=1 psub=0 ssub=0\r\n"
      "id=4 addr=127.0.0.1:5001 fd=9 name= age=1 idle=0 flags=P db=0 sub=0 psub=2\n"
      "id=5 addr=127.0.0.1:5002 fd=10 name=cli age=1 idle=0 flags=N db=0 sub=0 psub=0\n");
  cr_assert_eq(clients.size(), 3u);
  cr_assert_str_eq(clients[0].name.c_str(), "omega:svc:h:1:v2:READY");
  cr_assert_eq(clients[0].idle_s, 4);
  cr_assert_eq(clients[1].psub, 2);
  auto replicas = parse_replicas(
      "# "
      "Replication\r\nrole:master\r\nconnected_slaves:2\r\nslave0:ip=10.0.0.2,port=6380,state=online,offset=1,lag=0\r\n"
      "slave1:ip=::1,port=6381,state=online\r\nslave_read_only:1\r\nmaster_repl_offset:1\r\n");
  cr_assert_eq(replicas.size(), 2u);
  cr_assert_str_eq(replicas[1].host.c_str(), "::1");
  cr_assert_eq(replicas[0].port, 6380);
  FleetNode node{"127.0.0.1:6379", "primary", "", clients};
  FleetSummary s = summarize({node});
  cr_assert_eq(s.unnamed_subscribers, 1, "psub counts; a client without subscriptions does not");
  cr_assert_eq((s.readers[{2, "READY"}]), 1);
}

Test(config_diff, secrets_only_as_changed_and_urls_masked) {
  JsonPtr before(parse_strict_json(R"({"A":1,"S":"old-secret","U":"redis://:pw1@h/0","X":null})", 8, nullptr));
  JsonPtr after(parse_strict_json(R"({"A":2,"S":"new-secret","U":"redis://:pw2@h/0","Y":true})", 8, nullptr));
  JsonPtr changes(config_changes(before.get(), after.get(), [](const std::string& k) { return k == "S"; }));
  std::string text = json_print(changes.get());
  cr_assert_str_eq(text.c_str(), R"([{"key":"A","old":1,"new":2},{"key":"S","changed":true},)"
                                 R"({"key":"U","old":"redis://:**********@h/0","new":"redis://:**********@h/0"},)"
                                 R"({"key":"X","old":null},{"key":"Y","new":true}])");
}
