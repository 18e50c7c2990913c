"""Durability and convergence: a restart keeps every patch; versions never go backwards
across restarts or Redis data loss (new epoch); the reconciler republishes when Redis comes
back empty or differs from the .env; Redis down refuses patches with 503 and changes nothing."""

import json

from tests.support.redis_server import redis_keys
from tests.support.waiting import wait_until


def meta(redis_server):
    raw = redis_keys(redis_server)[2]
    return json.loads(raw) if raw else None


def test_restart_keeps_every_patch(daemon, redis_server):
    for i, level in enumerate(["DEBUG", "WARNING", "ERROR"]):
        assert daemon.patch({"LOG_LEVEL": level, "REQUEST_TIMEOUT": 40 + i}).status == 200
    daemon.stop()
    daemon.start()
    cfg = daemon.config()
    assert cfg["version"] == "4"
    assert cfg["config"]["LOG_LEVEL"] == "ERROR" and cfg["config"]["REQUEST_TIMEOUT"] == 42
    assert daemon.patch({"LOG_LEVEL": "INFO"}).json["version"] == "5"


def test_restart_after_redis_lost_its_data_starts_a_new_epoch_with_a_higher_version(daemon, redis_server):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    old_epoch = meta(redis_server)["epoch"]
    daemon.stop()
    redis_server.restart(keep_data=False)
    assert redis_keys(redis_server) == (None, None, None)
    daemon.start()
    m = meta(redis_server)
    assert m["version"] == 3 and m["epoch"] != old_epoch
    assert json.loads(redis_keys(redis_server)[0])["LOG_LEVEL"] == "DEBUG"


def test_reconciler_reseeds_redis_that_came_back_empty(daemon, redis_server):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    old = meta(redis_server)
    redis_server.restart(keep_data=False)
    m = wait_until(lambda: meta(redis_server))
    assert m["version"] > old["version"] and m["epoch"] != old["epoch"]
    assert json.loads(redis_keys(redis_server)[0])["LOG_LEVEL"] == "DEBUG"
    assert daemon.config()["version"] == str(m["version"])


def test_reconciler_repairs_a_snapshot_changed_behind_its_back(daemon, redis_server, spy):
    redis_server.client().set("omega:config", json.dumps({"LOG_LEVEL": "HACKED"}))
    msg = spy.wait_for(lambda m: m["event"] == "reload")
    assert msg["version"] == "2" and "LOG_LEVEL" in msg["changed"]
    snap, version, _ = redis_keys(redis_server)
    assert json.loads(snap)["LOG_LEVEL"] == "INFO" and version == b"2"


def test_redis_down_refuses_patches_and_changes_nothing(daemon, redis_server):
    env_before = daemon.env_path.read_bytes()
    audit_before = daemon.audit_path.read_bytes()
    redis_server.stop()
    r = daemon.patch({"LOG_LEVEL": "DEBUG"})
    assert r.status == 503 and r.json["error"] == "redis_unavailable"
    assert daemon.env_path.read_bytes() == env_before and daemon.audit_path.read_bytes() == audit_before
    assert daemon.config()["version"] == "1"
    redis_server.start()  # empty: the reconciler re-seeds it, then patches work again
    wait_until(lambda: meta(redis_server))
    r = daemon.patch({"LOG_LEVEL": "DEBUG"})
    assert r.status == 200 and int(r.json["version"]) > 1


def test_daemon_starts_while_redis_is_down_and_seeds_it_later(make_daemon, redis_server):
    redis_server.stop()
    d = make_daemon()
    assert d.request("GET", "/readyz", token=None).status == 503
    redis_server.start()
    m = wait_until(lambda: meta(redis_server))
    assert m["version"] == 1
    assert wait_until(lambda: d.request("GET", "/readyz", token=None).status == 200)


def test_second_writer_is_refused_by_the_watch(make_daemon, redis_server):
    # No reconciler runs during this test, so only the patch path looks at Redis.
    d = make_daemon(args=["--reconcile-interval-ms", "600000"])
    env_before = d.env_path.read_bytes()
    # Another writer got ahead (version 50): our publication must not go backwards.
    redis_server.client().set("omega:config:version", "50")
    r = d.patch({"LOG_LEVEL": "DEBUG"})
    assert r.status == 503 and r.json["error"] == "write_conflict"
    assert redis_keys(redis_server)[1] == b"50"
    assert d.env_path.read_bytes() == env_before
