"""The writer on a redis-sentinel:// URL and --min-replicas (docs/daemon.md, wire.md writer
guarantee 12): the bad inputs the issue names, each with a clear error and never a write to a
replica; real Sentinels where a real one can show it, a scripted one
(tests/support/fake_sentinel.py) where only a broken or cut-off Sentinel would.

The failover drills themselves are tests/python/test_failover_drill.py."""

import subprocess
import time
import types

import pytest

from tests.support.daemon import Daemon
from tests.support.fake_sentinel import FakeSentinel
from tests.support.redis_server import RedisServer, free_port, redis_keys
from tests.support.sentinel import SentinelSet
from tests.support.waiting import wait_until


def url_of(*fakes, master="omega", query=""):
    return f"redis-sentinel://{','.join(f'127.0.0.1:{f.port}' for f in fakes)}/{master}" + (
        f"?{query}" if query else ""
    )


def at(url):
    return types.SimpleNamespace(url=url)


@pytest.fixture
def replica_of(redis_server):
    """A real replica of the suite's redis_server."""
    r = RedisServer(extra_args=["--replicaof", "127.0.0.1", str(redis_server.port)]).start()
    wait_until(lambda: r.client().info("replication").get("master_link_status") == "up", what="the replica to sync")
    yield r
    r.cleanup()


def test_a_sentinel_that_names_a_replica_as_the_primary_gets_no_write(make_daemon, redis_server, replica_of):
    fake = FakeSentinel(primary=("127.0.0.1", replica_of.port)).start()
    try:
        d = make_daemon(redis=at(url_of(fake)), args=["--redis-timeout-ms", "500"])
        r = d.patch({"LOG_LEVEL": "DEBUG"})
        assert r.status == 503 and r.json["error"] == "redis_unavailable", r
        ready = d.request("GET", "/readyz", token=None)
        assert ready.status == 503 and "is a replica, but Sentinel" in ready.json["message"], ready
        assert "named it the primary" in d.log()
        # Nothing was written anywhere: the real primary (and so its replica) holds nothing.
        assert redis_keys(redis_server) == (None, None, None)
    finally:
        fake.stop()


def test_sentinels_that_disagree_the_newest_configuration_wins(make_daemon, redis_server, replica_of):
    # One Sentinel was cut off during a failover and still names the old primary (now a
    # replica); the other took part and knows the newer configuration epoch.
    stale = FakeSentinel(primary=("127.0.0.1", replica_of.port), config_epoch=4).start()
    fresh = FakeSentinel(primary=("127.0.0.1", redis_server.port), config_epoch=5).start()
    try:
        d = make_daemon(redis=at(url_of(stale, fresh)))
        for _ in range(5):  # whichever Sentinel is asked first
            assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 200
            assert d.patch({"LOG_LEVEL": "INFO"}).status == 200
        assert redis_keys(redis_server)[1] == b"11"
        assert stale.asked and fresh.asked  # both were asked
    finally:
        stale.stop()
        fresh.stop()


def test_no_reachable_sentinel_and_an_unknown_master_are_clear_errors(make_daemon, redis_server):
    ports = [free_port(), free_port()]  # nothing listening
    d = make_daemon(redis=at(f"redis-sentinel://127.0.0.1:{ports[0]},127.0.0.1:{ports[1]}/omega"))
    ready = d.request("GET", "/readyz", token=None)
    assert ready.status == 503
    assert "no Sentinel could name the 'omega' primary" in ready.json["message"]
    assert f"127.0.0.1:{ports[0]}" in ready.json["message"] and f"127.0.0.1:{ports[1]}" in ready.json["message"]
    assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 503

    fake = FakeSentinel(primary=("127.0.0.1", redis_server.port), master="omega").start()
    try:
        d2 = make_daemon(redis=at(url_of(fake, master="nosuch")))
        ready = d2.request("GET", "/readyz", token=None)
        assert ready.status == 503 and "knows no master named 'nosuch'" in ready.json["message"], ready
    finally:
        fake.stop()


def test_a_primary_sentinel_reports_down_fails_fast(make_daemon, redis_server):
    fake = FakeSentinel(primary=("127.0.0.1", redis_server.port), flags="master,s_down,o_down").start()
    try:
        d = make_daemon(redis=at(url_of(fake)), args=["--redis-timeout-ms", "3000"])
        t0 = time.monotonic()
        ready = d.request("GET", "/readyz", token=None)
        assert time.monotonic() - t0 < 1.5  # no wait for a command timeout on a dead node
        assert (
            ready.status == 503 and "reports the primary" in ready.json["message"] and "down" in ready.json["message"]
        )
    finally:
        fake.stop()


def test_min_replicas_without_replicas_answers_503_and_the_env_keeps_the_patch(make_daemon, redis_server):
    d = make_daemon(args=["--min-replicas", "1", "--min-replicas-timeout-ms", "200"])
    r = d.patch({"LOG_LEVEL": "DEBUG"})
    assert r.status == 503 and r.json["error"] == "replication_timeout", r
    assert "0 replica(s) confirmed" in r.json["message"]
    # Saved and published all the same: the .env has it, Redis has it, the version moved.
    assert "LOG_LEVEL=DEBUG" in d.env_path.read_text()
    assert d.config()["config"]["LOG_LEVEL"] == "DEBUG"
    assert redis_keys(redis_server)[1] == b"2"


def test_min_replicas_with_a_replica_acknowledges(make_daemon, redis_server, replica_of):
    d = make_daemon(args=["--min-replicas", "1", "--min-replicas-timeout-ms", "2000"])
    r = d.patch({"LOG_LEVEL": "DEBUG"})
    assert r.status == 200, r
    assert replica_of.client().get("omega:config:version") == r.json["version"].encode()


def test_min_replicas_when_redis_is_down_is_not_a_200(make_daemon, redis_server):
    d = make_daemon(args=["--min-replicas", "1", "--redis-timeout-ms", "300"])
    d.request("GET", "/readyz", token=None)
    redis_server.stop()
    # The WATCH fails first: nothing changes (503 redis_unavailable), as without the flag.
    r = d.patch({"LOG_LEVEL": "DEBUG"})
    assert r.status == 503, r


def test_sentinel_auth_and_role_master_for_the_writer(make_daemon, tmp_path):
    rs = SentinelSet(replicas=1, sentinels=1, quorum=1, sentinel_password="sentinel-secret-0123456789").start()
    try:
        good = rs.url(query="sentinel_password=sentinel-secret-0123456789")
        d = make_daemon(redis=at(good))
        assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 200
        assert rs.nodes[0].client().get("omega:config:version") == b"2"
        bad = make_daemon(redis=at(rs.url(query="sentinel_password=wrong")))
        ready = bad.request("GET", "/readyz", token=None)
        assert ready.status == 503 and "refused AUTH" in ready.json["message"], ready
        assert "wrong" not in ready.body and "wrong" not in bad.log()
    finally:
        rs.cleanup()


def test_a_cluster_url_without_a_hash_tag_is_refused_at_start(tmp_path, redis_server):
    d = Daemon(tmp_path, at("redis-cluster://127.0.0.1:7000,127.0.0.1:7001"), args=["--key-prefix", "staging"])
    out = subprocess.run(d.command(), capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "one hash slot" in out.stderr and "{omega}" in out.stderr, out.stderr
