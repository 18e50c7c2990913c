"""Two writers on one Redis (a misconfiguration the daemon must survive): a writer never
publishes over a version it did not write, neither from a patch nor from its reconciler."""

import json
import time

from helpers import metric, published

from tests.support.waiting import wait_until


def two_writers(make_daemon):
    a = make_daemon()
    b = make_daemon()  # boots onto A's identical v1 and adopts it
    assert a.config()["version"] == b.config()["version"] == "1"
    return a, b


def test_second_writer_cannot_publish_the_same_version(make_daemon, redis_server):
    a, b = two_writers(make_daemon)
    assert a.patch({"LOG_LEVEL": "DEBUG"}).json["version"] == "2"
    env_b = b.env_path.read_bytes()
    r = b.patch({"LOG_LEVEL": "ERROR"})
    assert r.status == 503 and r.json["error"] == "write_conflict", r
    assert b.env_path.read_bytes() == env_b
    snap, version, _ = published(redis_server)
    assert version == b"2" and snap["LOG_LEVEL"] == "DEBUG"


def test_reconciler_reports_another_writer_instead_of_overwriting(make_daemon, redis_server, spy):
    a, b = two_writers(make_daemon)
    spy.drain()
    seen = len(spy.messages)
    assert a.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    # B notices (readyz, metrics) and does not publish its own .env over A's version 2.
    ready = wait_until(lambda: (lambda r: r.json.get("write_conflict") and r)(b.request("GET", "/readyz", token=None)))
    assert ready.status == 503
    assert metric(b, "omega_settingsd_write_conflict") == 1
    time.sleep(1)  # several reconciler turns (200 ms): none may publish
    assert [json.loads(m)["version"] for m in spy.drain()[seen:]] == ["2"]
    snap, version, _ = published(redis_server)
    assert version == b"2" and snap["LOG_LEVEL"] == "DEBUG"
    assert a.request("GET", "/readyz", token=None).status == 200
    assert b.request("POST", "/config/reload").json["error"] == "write_conflict"
    assert "another writer" in b.log()
