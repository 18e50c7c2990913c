"""Audit is fail-closed: when the record cannot be written, the mutation is refused with 503
and nothing changes."""

from helpers import World


def test_audit_unwritable_refuses_every_mutation(make_daemon, redis_server, spy):
    # /dev/full accepts open() and fails every write with ENOSPC.
    d = make_daemon(start=False)
    d.args += ["--audit-log", "/dev/full", "--audit-key-file", str(d.dir / "audit.key")]
    d.start()
    d.audit_path = d.dir / "no-audit-here"  # World compares this (absent) file
    world = World(d, redis_server, spy)
    before = world.capture()
    for send in (lambda: d.patch({"LOG_LEVEL": "DEBUG"}), lambda: d.request("POST", "/config/reload")):
        r = send()
        assert r.status == 503 and r.json["error"] == "audit_unavailable", r
        world.assert_unchanged(before)
    ready = d.request("GET", "/readyz", token=None)
    assert ready.status == 503 and ready.json["audit"] is False
    assert "omega_settingsd_audit_up 0" in d.request("GET", "/metrics", token=None).body
