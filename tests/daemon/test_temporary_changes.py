"""Temporary changes: "revert_after_s": N on a patch publishes now and reverts exactly those
keys after N seconds, only where they still hold the patched values (a later change wins).
The schedule is durable (survives a restart, fires at start when overdue), audited (actor
omega-settingsd, comment "revert of vN") and shown by GET /config."""

import json
import os
import pathlib
import stat
import time

import pytest

from tests.support.waiting import wait_until


def reverts_file(d) -> pathlib.Path:
    return pathlib.Path(str(d.env_path) + ".reverts.json")


def audit_records(d):
    return [json.loads(line) for line in d.audit_path.read_text().splitlines()]


def test_a_temporary_change_reverts_after_n_seconds(daemon, spy):
    r = daemon.patch({"LOG_LEVEL": "DEBUG", "REQUEST_TIMEOUT": 45}, revert_after_s=2, comment="look closer")
    assert r.status == 200, r
    assert r.json["version"] == "2" and r.json["revert_at"].endswith("Z")
    view = daemon.config()
    assert view["config"]["LOG_LEVEL"] == "DEBUG"
    [pending] = view["pending_reverts"]
    assert pending["version"] == "2" and pending["keys"] == ["LOG_LEVEL", "REQUEST_TIMEOUT"]
    assert pending["revert_at"] == r.json["revert_at"] and 0 <= pending["remaining_s"] <= 2
    assert stat.S_IMODE(os.stat(reverts_file(daemon)).st_mode) == 0o600

    msg = spy.wait_for(lambda m: m["version"] == "3")
    assert msg["event"] == "updated" and msg["changed"] == ["LOG_LEVEL", "REQUEST_TIMEOUT"]
    view = daemon.config()
    assert view["version"] == "3" and "pending_reverts" not in view
    assert view["config"]["LOG_LEVEL"] == "INFO" and view["config"]["REQUEST_TIMEOUT"] == 30
    assert "LOG_LEVEL=INFO" in daemon.env_path.read_text()

    revert = audit_records(daemon)[-1]
    assert revert["action"] == "revert" and revert["actor"] == "omega-settingsd"
    assert revert["comment"] == "revert of v2" and revert["version_after"] == "3"
    newest = daemon.request("GET", "/config/history?limit=1", token=None).json["versions"][0]
    assert newest["event"] == "revert" and newest["actor"] == "omega-settingsd" and newest["comment"] == "revert of v2"
    blame = daemon.request("GET", "/config/blame?key=LOG_LEVEL", token=None).json["keys"]["LOG_LEVEL"]
    assert blame["version"] == "3" and blame["event"] == "revert"


def test_only_keys_still_at_the_patched_value_are_reverted(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG", "REQUEST_TIMEOUT": 45}, revert_after_s=2).status == 200
    assert daemon.patch({"REQUEST_TIMEOUT": 50}).status == 200  # a later change wins
    assert daemon.config()["pending_reverts"][0]["keys"] == ["LOG_LEVEL"]
    wait_until(lambda: daemon.config()["version"] == "4", timeout=15, what="the revert")
    cfg = daemon.config()["config"]
    assert cfg["LOG_LEVEL"] == "INFO" and cfg["REQUEST_TIMEOUT"] == 50
    assert audit_records(daemon)[-1]["diff"] == [{"key": "LOG_LEVEL", "old": "DEBUG", "new": "INFO"}]


def test_a_revert_with_nothing_left_to_revert_changes_nothing(daemon, spy):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}, revert_after_s=1).status == 200
    assert daemon.patch({"LOG_LEVEL": "ERROR"}).status == 200
    assert "pending_reverts" not in daemon.config()
    wait_until(lambda: json.loads(reverts_file(daemon).read_text())["reverts"] == [], timeout=15, what="the drop")
    assert daemon.config()["version"] == "3" and daemon.config()["config"]["LOG_LEVEL"] == "ERROR"
    assert [r["action"] for r in audit_records(daemon)] == ["patch", "patch"]


def test_an_unset_key_is_set_again_and_a_new_one_unset_again(daemon):
    assert daemon.patch({"REQUEST_TIMEOUT": 45}).status == 200
    assert daemon.patch({"RATE_LIMIT_PER_MINUTE": 120, "REQUEST_TIMEOUT": None}, revert_after_s=1).status == 200
    assert "REQUEST_TIMEOUT" not in daemon.env_path.read_text()
    wait_until(lambda: daemon.config()["version"] == "4", timeout=15, what="the revert")
    assert daemon.config()["config"]["RATE_LIMIT_PER_MINUTE"] is None
    text = daemon.env_path.read_text()
    assert "RATE_LIMIT_PER_MINUTE" not in text and "REQUEST_TIMEOUT=45" in text


def test_the_schedule_survives_a_restart(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}, revert_after_s=4).status == 200
    daemon.stop()
    daemon.start()
    assert daemon.config()["pending_reverts"][0]["keys"] == ["LOG_LEVEL"]
    wait_until(lambda: daemon.config()["version"] == "3", timeout=20, what="the revert after a restart")
    assert daemon.config()["config"]["LOG_LEVEL"] == "INFO"


def test_an_overdue_revert_fires_at_start(make_daemon):
    d = make_daemon(args=["--reconcile-interval-ms", "60000"])  # no reconciler tick during the test
    assert d.patch({"LOG_LEVEL": "DEBUG"}, revert_after_s=1).status == 200
    d.stop()
    time.sleep(1.5)
    d.start()
    # Fired before the server answered its first request.
    view = d.config()
    assert view["version"] == "3" and view["config"]["LOG_LEVEL"] == "INFO"
    assert audit_records(d)[-1]["comment"] == "revert of v2"


def test_a_second_temporary_change_of_the_same_key_restores_the_original(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}, revert_after_s=1).status == 200
    assert daemon.patch({"LOG_LEVEL": "WARNING"}, revert_after_s=3).status == 200
    wait_until(lambda: daemon.config()["version"] == "4", timeout=20, what="the revert")
    assert daemon.config()["config"]["LOG_LEVEL"] == "INFO", "not the first temporary value"


@pytest.mark.parametrize("bad", [0, -5, 604801, 10**12])
def test_bad_revert_times_are_refused_and_change_nothing(world, bad):
    before = world.capture()
    r = world.daemon.patch({"LOG_LEVEL": "DEBUG"}, revert_after_s=bad)
    assert r.status == 422, r
    assert r.json["error"] == "validation_failed" and r.json["details"][0]["key"] == "revert_after_s"
    world.assert_unchanged(before)
    assert not reverts_file(world.daemon).exists()


@pytest.mark.parametrize("bad", ["60", 1.5, True, None])
def test_a_revert_time_that_is_not_a_whole_number_is_a_bad_request(world, bad):
    before = world.capture()
    r = world.daemon.patch({"LOG_LEVEL": "DEBUG"}, revert_after_s=bad)
    assert r.status == 400 and "whole number of seconds" in r.json["message"], r
    world.assert_unchanged(before)


def test_seven_days_is_accepted(daemon):
    r = daemon.patch({"LOG_LEVEL": "DEBUG"}, revert_after_s=604800)
    assert r.status == 200
    assert 604790 <= daemon.config()["pending_reverts"][0]["remaining_s"] <= 604800
