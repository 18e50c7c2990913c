"""Readers on redis-sentinel:// (docs/wire.md reader guarantee 13): the bad inputs the issue
names, each a clear error; STALE readers that keep serving the last good snapshot; never a
version going back, whatever node a Sentinel sends them to. Real Sentinels where a real one
can show it, a scripted one (tests/support/fake_sentinel.py) where only a broken or cut-off
Sentinel would."""

import hashlib
import json

import omega_config
import pytest
from plain_writer import PlainWriter

from tests.support.drill import FAST
from tests.support.fake_sentinel import FakeSentinel
from tests.support.redis_server import RedisServer, free_port
from tests.support.sentinel import SentinelSet
from tests.support.waiting import wait_until


def url_of(*fakes, master="omega", query=""):
    return f"redis-sentinel://{','.join(f'127.0.0.1:{f.port}' for f in fakes)}/{master}" + (
        f"?{query}" if query else ""
    )


@pytest.fixture
def replica(redis_server):
    r = RedisServer(extra_args=["--replicaof", "127.0.0.1", str(redis_server.port)]).start()
    wait_until(lambda: r.client().info("replication").get("master_link_status") == "up", what="the replica to sync")
    yield r
    r.cleanup()


def test_no_reachable_sentinel_is_a_clear_error_and_a_last_known_good_file_serves(tmp_path, writer, redis_server):
    url = f"redis-sentinel://127.0.0.1:{free_port()},127.0.0.1:{free_port()}/omega"
    with pytest.raises(omega_config.ConfigUnavailableError) as e:
        omega_config.create_config_manager(url, **FAST)
    assert "no Sentinel could name a 'omega' node to read from" in str(e.value)
    # With a last-known-good file written by an earlier handle, it opens STALE and serves it.
    writer.publish({"LOG_LEVEL": "INFO"})
    lkg = str(tmp_path / "lkg.json")
    first = omega_config.create_config_manager(redis_server.url, last_known_good_path=lkg, **FAST)
    first.close()
    cfg = omega_config.create_config_manager(url, last_known_good_path=lkg, **FAST)
    try:
        assert cfg.status.state == "STALE" and cfg.LOG_LEVEL == "INFO"
        assert "no Sentinel could name" in cfg.status.last_error
    finally:
        cfg.close()


def test_an_unknown_master_name_is_a_clear_error(redis_server):
    fake = FakeSentinel(primary=("127.0.0.1", redis_server.port)).start()
    try:
        with pytest.raises(omega_config.ConfigUnavailableError) as e:
            omega_config.create_config_manager(url_of(fake, master="nosuch"), **FAST)
        assert "knows no master named 'nosuch'" in str(e.value)
    finally:
        fake.stop()


def test_a_node_that_is_not_what_the_sentinel_says_is_refused(redis_server, replica, writer):
    writer.publish({"LOG_LEVEL": "INFO"})
    # Named the primary, but it is a replica; named a replica, but it is the primary.
    for named_primary, replicas, query in [
        (replica.port, [], "role=master"),
        (replica.port, [redis_server.port], ""),
    ]:
        fake = FakeSentinel(primary=("127.0.0.1", named_primary), replicas=[("127.0.0.1", p) for p in replicas])
        fake.start()
        try:
            with pytest.raises(omega_config.ConfigUnavailableError) as e:
                omega_config.create_config_manager(url_of(fake, query=query), **FAST)
            assert "but Sentinel" in str(e.value) and "(a failover in progress?)" in str(e.value), str(e.value)
        finally:
            fake.stop()


def test_readers_spread_over_the_replicas_and_fall_back_to_the_primary():
    with SentinelSet(replicas=2, sentinels=1, quorum=1) as rs:
        PlainWriter(rs.nodes[0].client()).publish({"LOG_LEVEL": "INFO"})
        rs.wait_synced()
        readers = [omega_config.create_config_manager(rs.url(), **FAST) for _ in range(12)]
        masters = [omega_config.create_config_manager(rs.url(role="master"), **FAST) for _ in range(2)]
        try:
            on = {n.port: sum(1 for c in n.client().client_list() if c["name"].startswith("omega:")) for n in rs.nodes}
            primary, r1, r2 = (on[n.port] for n in rs.nodes)
            assert primary == 2 * 2  # the role=master readers, two connections each
            assert r1 > 0 and r2 > 0 and r1 + r2 == 2 * 12, on  # random choice: both replicas used
        finally:
            for m in readers + masters:
                m.close()


def keys_with_meta(version, values, epoch="e1"):
    """The three keys as omega-settingsd writes them (with meta: an epoch and a sha256)."""
    snap = json.dumps(values, separators=(",", ":"), sort_keys=True)
    meta = {"version": version, "epoch": epoch, "sha256": hashlib.sha256(snap.encode()).hexdigest()}
    return {"omega:config": snap, "omega:config:version": str(version), "omega:config:meta": json.dumps(meta)}


def test_a_lagging_replica_never_takes_a_reader_back(redis_server, replica):
    p = redis_server.client()
    p.mset(keys_with_meta(1, {"LOG_LEVEL": "INFO"}))
    p.mset(keys_with_meta(2, {"LOG_LEVEL": "DEBUG"}))
    wait_until(lambda: replica.client().get("omega:config:version") == b"2", what="the replica to have version 2")
    # The reader starts on the primary (no replica named healthy), at version 2.
    fake = FakeSentinel(primary=("127.0.0.1", redis_server.port)).start()
    cfg = omega_config.create_config_manager(url_of(fake), **FAST)
    try:
        assert cfg.version == 2 and cfg.LOG_LEVEL == "DEBUG"
        # The replica falls behind: its link is cut and it holds version 1 of the same epoch
        # (written there directly, as a replica restored from an old dump would).
        r = replica.client()
        r.execute_command("REPLICAOF", "127.0.0.1", str(free_port()))
        r.config_set("replica-read-only", "no")
        r.mset(keys_with_meta(1, {"LOG_LEVEL": "INFO"}))
        # The Sentinel now sends readers to that replica, healthy as far as it knows; the
        # primary drops its clients (as after a failover).
        fake.replicas = [("127.0.0.1", replica.port)]
        redis_server.client().client_kill_filter(_type="normal")
        redis_server.client().client_kill_filter(_type="pubsub")
        wait_until(
            lambda: "older than the applied version" in cfg.status.last_error,
            timeout=15,
            what="the reader to report the older version",
        )
        assert cfg.status.state == "STALE" and cfg.version == 2 and cfg.LOG_LEVEL == "DEBUG"
        # It is reading from the replica now (the only node the Sentinel offers).
        names = [c["name"] for c in replica.client().client_list()]
        assert any(n.startswith("omega:") for n in names), names
    finally:
        cfg.close()
        fake.stop()


def test_stale_readers_keep_serving_when_every_node_and_sentinel_is_gone():
    rs = SentinelSet(replicas=1, sentinels=2, quorum=1).start()
    try:
        PlainWriter(rs.nodes[0].client()).publish({"LOG_LEVEL": "WARNING"})
        rs.wait_synced()
        cfg = omega_config.create_config_manager(rs.url(), **FAST)
        try:
            assert cfg.LOG_LEVEL == "WARNING"
            for s in rs.sentinels:
                s.kill()
            for n in rs.nodes:
                n.stop()
            wait_until(lambda: cfg.status.state == "STALE", timeout=15, what="STALE")
            assert cfg.LOG_LEVEL == "WARNING" and cfg.version == 1
            wait_until(lambda: "no Sentinel could name" in cfg.status.last_error, timeout=15, what="the error")
        finally:
            cfg.close()
    finally:
        rs.cleanup()


def test_tls_to_the_sentinels_and_the_nodes(tls_files, tmp_path):
    """rediss-sentinel://: TLS to every Sentinel and every node, one CA for both."""
    with SentinelSet(replicas=1, sentinels=1, quorum=1, tls=tls_files) as rs:
        PlainWriter(rs.nodes[0].client()).publish({"LOG_LEVEL": "ERROR"})
        rs.wait_synced()
        # A link that is up may not have carried the write yet: the reader reads the replica.
        wait_until(lambda: rs.nodes[1].client().get("omega:config"), what="the snapshot on the replica")
        url = rs.url()
        assert url.startswith("rediss-sentinel://")
        cfg = omega_config.create_config_manager(url, **FAST)
        try:
            assert cfg.LOG_LEVEL == "ERROR" and cfg.status.state == "READY"
            PlainWriter(rs.nodes[0].client()).publish({"LOG_LEVEL": "INFO"})
            wait_until(lambda: cfg.version == 2, timeout=10, what="the update over TLS")
        finally:
            cfg.close()
        # The same Sentinels without TLS on the client side: the cause is named.
        with pytest.raises(omega_config.ConfigUnavailableError) as e:
            omega_config.create_config_manager(url.replace("rediss-", "redis-").split("?")[0], **FAST)
        assert "TLS-only port" in str(e.value) or "rediss" in str(e.value), str(e.value)


def test_a_reader_on_a_primary_the_sentinels_no_longer_name_moves(redis_server):
    """A node that lost a failover (double failover, a partition) may go on believing it is the
    primary, never converted, while the writer publishes elsewhere: a reader on it must not
    stay there READY for ever. It asks a Sentinel every 10-20 s and moves."""
    stale = redis_server.client()
    stale.mset(keys_with_meta(1, {"LOG_LEVEL": "INFO"}))
    current = RedisServer().start()
    try:
        current.client().mset(keys_with_meta(2, {"LOG_LEVEL": "DEBUG"}))
        fake = FakeSentinel(primary=("127.0.0.1", redis_server.port)).start()
        cfg = omega_config.create_config_manager(url_of(fake, query="role=master"), **FAST)
        try:
            assert cfg.version == 1
            fake.primary = ("127.0.0.1", current.port)  # the Sentinels now name another primary
            wait_until(lambda: cfg.version == 2, timeout=30, what="the reader to move to the primary named now")
            assert cfg.LOG_LEVEL == "DEBUG" and cfg.status.state == "READY"
        finally:
            cfg.close()
            fake.stop()
    finally:
        current.cleanup()
