"""DNS-rebinding guard: a Host that is an IP literal is always served (it cannot be DNS
rebinding); names are served only when they are loopback names, the --listen host or
--allowed-host names; any other name gets 421 with a JSON error."""

import pytest


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "LOCALHOST:{port}", "[::1]", "[::1]:{port}", "127.0.0.1:{port}", "[::2]:{port}"],
)
def test_loopback_names_and_ip_literals_are_served(daemon, host):
    r = daemon.request("GET", "/config", token=None, headers={"Host": host.format(port=daemon.port)})
    assert r.status == 200, r


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example"])
def test_other_host_names_get_421(daemon, host):
    r = daemon.request("GET", "/config", token=None, headers={"Host": host.format(port=daemon.port)})
    assert r.status == 421 and r.json["error"] == "misdirected_request", r
    assert "config" not in r.json


def test_patch_from_another_host_changes_nothing(world, daemon):
    before = world.capture()
    r = daemon.request("POST", "/config/patch", {"updates": {"LOG_LEVEL": "DEBUG"}}, headers={"Host": "evil.example"})
    assert r.status == 421
    world.assert_unchanged(before)


def test_allowed_host_flag_and_environment(make_daemon):
    d = make_daemon(args=["--allowed-host", "cfg.internal,other.internal"])
    for host in ("cfg.internal", "other.internal:9421"):
        assert d.request("GET", "/config", token=None, headers={"Host": host}).status == 200
    assert d.request("GET", "/config", token=None, headers={"Host": "evil.example"}).status == 421
    e = make_daemon(start=False)
    e.start(extra_env={"OMEGA_ALLOWED_HOST": "env.internal"})
    assert e.request("GET", "/config", token=None, headers={"Host": "env.internal"}).status == 200
