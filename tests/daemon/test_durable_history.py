"""Durable history (writer guarantee 11): the last N versions survive a restart in
<env>.history.jsonl beside the .env (mode 0600), rollback works after a restart, each version
records actor, time, event, changed keys and an optional comment (also in the audit record);
a change that never committed leaves no entry."""

import http.client
import json
import os
import pathlib
import stat

import pytest

from tests.support.daemon import has_failpoints


def history_file(d) -> pathlib.Path:
    return pathlib.Path(str(d.env_path) + ".history.jsonl")


def versions(d, limit=100):
    r = d.request("GET", f"/config/history?limit={limit}", token=None)
    assert r.status == 200, r
    return r.json["versions"]


def audit_records(d):
    return [json.loads(line) for line in d.audit_path.read_text().splitlines()]


def test_history_survives_a_restart_and_rollback_works_after_it(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    assert daemon.patch({"REQUEST_TIMEOUT": 45}, comment="slow upstream").status == 200
    assert daemon.patch({"SECRET_KEY": "another-secret-value-of-32-bytes-or-more!!"}).status == 200
    before = versions(daemon)
    assert [v["version"] for v in before] == ["4", "3", "2", "1"]

    daemon.stop()
    daemon.start()
    after = versions(daemon)
    assert after == before, "the restart kept every entry as it was"
    assert after[1]["comment"] == "slow upstream" and after[1]["actor"] == "alice"
    assert after[1]["event"] == "updated" and after[1]["changed"] == ["REQUEST_TIMEOUT"]

    r = daemon.request("POST", "/config/rollback", {"version": 2})
    assert r.status == 200, r
    assert r.json["version"] == "5" and r.json["changed"] == ["REQUEST_TIMEOUT", "SECRET_KEY"]
    cfg = daemon.config()["config"]
    assert cfg["LOG_LEVEL"] == "DEBUG" and cfg["REQUEST_TIMEOUT"] == 30
    assert "tEsT-secret-key-NEVER-LEAK" in daemon.env_path.read_text(), "the old secret is back, from the file"


def test_history_file_is_beside_the_env_with_mode_0600(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    path = history_file(daemon)
    assert path.parent == daemon.env_path.parent
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["version"] for e in lines] == ["1", "2"]
    # It holds what the .env holds (rollback needs it), so it is as private as the .env.
    assert lines[-1]["env"]["SECRET_KEY"] == "tEsT-secret-key-NEVER-LEAK-0123456789abcdef"
    assert lines[-1]["config"]["SECRET_KEY"] == "**********"


def test_comment_is_kept_in_history_and_audit_for_every_mutation(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}, comment="debugging INC-42").status == 200
    daemon.env_path.write_text(daemon.env_path.read_text().replace("REQUEST_TIMEOUT=30", "REQUEST_TIMEOUT=33"))
    assert daemon.request("POST", "/config/reload", {"comment": "hand edit"}).status == 200
    assert daemon.request("POST", "/config/rollback", {"version": 1, "comment": "undo all"}).status == 200
    got = {v["version"]: v.get("comment") for v in versions(daemon)}
    assert got == {"4": "undo all", "3": "hand edit", "2": "debugging INC-42", "1": None}
    comments = [(r["action"], r.get("comment")) for r in audit_records(daemon)]
    assert comments == [("patch", "debugging INC-42"), ("reload", "hand edit"), ("rollback", "undo all")]


def test_a_comment_over_1024_bytes_is_refused_and_changes_nothing(world):
    d = world.daemon
    before = world.capture()
    for path, body in [
        ("/config/patch", {"updates": {"LOG_LEVEL": "DEBUG"}, "comment": "x" * 1025}),
        ("/config/rollback", {"version": 1, "comment": "é" * 513}),
        ("/config/reload", {"comment": "y" * 2000}),
    ]:
        r = d.request("POST", path, body)
        assert r.status == 422, (path, r)
        assert r.json["error"] == "validation_failed" and r.json["details"][0]["key"] == "comment"
    r = d.request("POST", "/config/patch", {"updates": {"LOG_LEVEL": "DEBUG"}, "comment": 7})
    assert r.status == 400
    world.assert_unchanged(before)
    assert d.patch({"LOG_LEVEL": "DEBUG"}, comment="z" * 1024).status == 200


def test_history_keeps_the_last_n_and_compacts_the_file(make_daemon):
    d = make_daemon(args=["--history", "3"])
    for i in range(12):
        assert d.patch({"REQUEST_TIMEOUT": 40 + i}).status == 200
    assert [v["version"] for v in versions(d)] == ["13", "12", "11"]
    lines = history_file(d).read_text().splitlines()
    assert len(lines) <= 2 * 3, "compacted when it holds far more than N"
    assert json.loads(lines[-1])["version"] == "13"
    d.stop()
    d.start()
    assert [v["version"] for v in versions(d)] == ["13", "12", "11"]
    r = d.request("POST", "/config/rollback", {"version": 10})
    assert r.status == 404 and "11-13" in r.json["message"]


def test_default_history_is_100_versions(daemon):
    for i in range(101):
        assert daemon.patch({"REQUEST_TIMEOUT": 100 + i}).status == 200
    got = versions(daemon, limit=1000)
    assert len(got) == 100 and got[0]["version"] == "102" and got[-1]["version"] == "3"


def test_a_torn_last_line_is_cut_at_start(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    daemon.stop()
    path = history_file(daemon)
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"version":"3","event":"upd')  # a crash mid-append
    daemon.start()
    assert path.read_bytes() == whole
    assert [v["version"] for v in versions(daemon)] == ["2", "1"]
    assert daemon.patch({"LOG_LEVEL": "ERROR"}).status == 200
    assert [json.loads(x)["version"] for x in path.read_text().splitlines()] == ["1", "2", "3"]


@pytest.mark.skipif(not has_failpoints(), reason="needs a build with -DOMEGA_FAILPOINTS=ON")
def test_a_crash_after_the_history_line_before_the_rename_leaves_no_phantom(make_daemon):
    d = make_daemon(start=False)
    d.start(extra_env={"OMEGA_FAILPOINT": "patch.history_synced"})
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        d.patch({"REQUEST_TIMEOUT": 31})
    d.proc.wait(20)
    assert d.proc.returncode == -9
    d.proc = None
    assert '"REQUEST_TIMEOUT":31' in history_file(d).read_text(), "the line was written before the crash"
    d.start()
    hist = versions(d)
    assert all(v["config"]["REQUEST_TIMEOUT"] == 30 for v in hist), hist
    assert '"REQUEST_TIMEOUT":31' not in history_file(d).read_text()
    assert d.config()["config"]["REQUEST_TIMEOUT"] == 30


@pytest.mark.skipif(not has_failpoints(), reason="needs a build with -DOMEGA_FAILPOINTS=ON")
def test_a_mutation_that_fails_after_the_history_line_cuts_it_back(make_daemon):
    d = make_daemon(start=False)
    d.start(extra_env={"OMEGA_FAILPOINT": "patch.env.create:fail"})
    before = history_file(d).read_bytes()
    r = d.patch({"REQUEST_TIMEOUT": 31})
    assert r.status == 500 and r.json["error"] == "storage_error"
    assert history_file(d).read_bytes() == before
    assert [v["version"] for v in versions(d)] == ["1"]
