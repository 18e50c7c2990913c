"""omegactl readers and status against the real daemon and real readers.

The READY readers are real ConfigManagers in this process (they name their Redis connection
`omega:<service>:<host>:<pid>:v<version>:<STATE>`). A reader on another host, or one that
is STALE, cannot be made on one machine without taking Redis away from the others, so those
are plain redis-py connections that name themselves exactly as such a reader would: the
daemon sees nothing else of a reader."""

import json
import os
import socket

import omega_config
import pytest

from tests.support.daemon import ALICE, example_daemon
from tests.support.omegactl import ctl, error_of
from tests.support.redis_server import free_port
from tests.support.waiting import wait_until

HOST = socket.gethostname()


@pytest.fixture
def planners(settingsd, redis_server):
    """Two real readers of service planner-agent, following the daemon's Redis."""
    made = [
        omega_config.create_config_manager(redis_server.url, service_name="planner-agent", poll_interval_ms=200)
        for _ in range(2)
    ]
    yield made
    for cfg in made:
        cfg.close()


def named_connection(redis_server, name):
    """A connection named like a reader (another host, or a STALE one)."""
    conn = redis_server.client()
    conn.client_setname(name)
    return conn


def readers_at(daemon, version):
    fleet = daemon.request("GET", "/config/readers", token=None).json
    return [r for r in fleet["readers"] if r["version"] == version]


def test_readers_lists_every_named_reader_in_both_formats(settingsd, redis_server, planners):
    wait_until(lambda: len(readers_at(settingsd, "1")) == 2, what="the two readers at v1")
    stale = named_connection(redis_server, "omega:executor:host-b:4242:v1:STALE")
    plain = redis_server.client().pubsub()
    plain.subscribe("config_channel")  # a plain reader: counted, not named
    try:
        p = ctl("readers", url=settingsd.base)
        assert p.returncode == 0, p.stderr
        doc = json.loads(p.stdout)
        assert set(doc) == {"readers", "by_version", "unnamed_subscribers", "nodes"}
        seen = {(r["service"], r["host"], r["pid"], r["version"], r["state"]) for r in doc["readers"]}
        assert seen == {
            ("planner-agent", HOST, os.getpid(), "1", "READY"),
            ("executor", "host-b", 4242, "1", "STALE"),
        }
        assert doc["by_version"] == {"1": 3} and doc["unnamed_subscribers"] == 1

        t = ctl("-o", "table", "readers", url=settingsd.base)
        assert t.returncode == 0, t.stderr
        lines = t.stdout.splitlines()
        assert lines[0].split() == ["SERVICE", "HOST", "PID", "VERSION", "STATE", "IDLE"]
        assert lines[1].split()[:5] == ["executor", "host-b", "4242", "1", "STALE"]
        planner = ["planner-agent", HOST, str(os.getpid()), "1", "READY"]
        assert [line.split()[:5] for line in lines[2:4]] == [planner, planner]
        assert "3 named reader(s) (v1: 3)" in lines
        assert "1 unnamed subscriber(s): plain readers, their versions are unknown" in lines
    finally:
        plain.close()
        stale.close()


def test_status_follows_a_rollout(settingsd, redis_server, planners):
    wait_until(lambda: len(readers_at(settingsd, "1")) == 2, what="the two readers at v1")
    t = ctl("-o", "table", "status", url=settingsd.base)
    assert t.returncode == 0, t.stdout + t.stderr
    assert t.stdout.splitlines() == ["2/2 readers at v1", "writer: v1, ready", "pending reverts: none"]

    assert ctl("patch", "LOG_LEVEL=DEBUG", "--for", "15m", token=ALICE, url=settingsd.base).returncode == 0
    wait_until(lambda: len(readers_at(settingsd, "2")) == 2, what="the two readers at v2")
    behind = named_connection(redis_server, "omega:executor:host-c:77:v1:READY")
    stale = named_connection(redis_server, "omega:executor:host-b:4242:v2:STALE")
    try:
        p = ctl("status", url=settingsd.base)
        assert p.returncode == 1, p.stdout + p.stderr
        doc = json.loads(p.stdout)
        assert doc["healthy"] is False and doc["version"] == "2"
        assert doc["summary"] == "2/4 readers at v2, 1 STALE on host-b, 1 at v1 on host-c"
        assert doc["readyz"] == {"redis": True, "audit": True, "write_conflict": False, "ready": True}
        assert doc["readers"]["by_version"] == {"1": 1, "2": 3}
        assert [r["keys"] for r in doc["pending_reverts"]] == [["LOG_LEVEL"]]

        t = ctl("-o", "table", "status", url=settingsd.base)
        assert t.returncode == 1
        lines = t.stdout.splitlines()
        assert lines[:2] == ["2/4 readers at v2, 1 STALE on host-b, 1 at v1 on host-c", "writer: v2, ready"]
        assert lines[2].startswith("pending revert of v2 at ") and lines[2].endswith(": LOG_LEVEL")
    finally:
        behind.close()
        stale.close()
    wait_until(lambda: ctl("status", url=settingsd.base).returncode == 0, what="status to be healthy again")


def test_status_with_no_named_readers_is_healthy(settingsd):
    p = ctl("status", url=settingsd.base)
    assert p.returncode == 0, p.stdout + p.stderr
    doc = json.loads(p.stdout)
    assert doc["healthy"] is True and doc["summary"] == "0/0 readers at v1"


def test_status_exits_5_when_the_writer_is_not_ready(settingsd, redis_server):
    redis_server.stop()
    p = ctl("status", url=settingsd.base)
    assert p.returncode == 5, p.stdout + p.stderr
    doc = json.loads(p.stdout)
    assert doc["healthy"] is False and doc["readyz"]["ready"] is False and doc["readyz"]["redis"] is False
    assert doc["readers"] is None and doc["readers_error"]["error"] == "redis_unavailable"
    t = ctl("-o", "table", "status", url=settingsd.base)
    assert t.returncode == 5
    assert t.stdout.splitlines()[1].startswith("writer: v1, NOT READY (redis down")
    p = ctl("readers", url=settingsd.base)
    assert p.returncode == 5 and error_of(p)["error"] == "redis_unavailable"


def test_status_exits_3_unreachable_and_4_without_the_credential(redis_server, tmp_path):
    p = ctl("status", url=f"http://127.0.0.1:{free_port()}")
    assert p.returncode == 3 and p.stdout == "" and error_of(p)["error"] == "connection_failed"
    d = example_daemon(tmp_path, redis_server, args=["--read-auth", "admin"]).start()
    try:
        for command in ("status", "readers"):
            p = ctl(command, url=d.base)
            assert p.returncode == 4 and error_of(p)["error"] == "unauthorized", command
            assert ctl(command, token=ALICE, url=d.base).returncode == 0, command
    finally:
        d.stop()
