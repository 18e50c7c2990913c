"""Redis Cluster (docs/scale.md, "Redis Cluster"): three primaries and three replicas on
loopback (redis-cli --cluster create), the three keys in one slot through the {omega} hash
tag, omega-settingsd and readers on a redis-cluster:// URL.

- the writer and readers find the slot's node from any seed and follow MOVED;
- readers read from the slot's replica (READONLY) and receive the cluster-wide PUBLISH;
- a prefix without a hash tag is refused with the fix, at open and at daemon start;
- the failover drill of the slot's owner (SIGKILL and SIGSTOP): the same assertions as the
  Sentinel drill (tests/support/drill.py), OMEGA_DRILL_ROUNDS rounds.
"""

import json
import os
import subprocess
import time
import types

import omega_config
import pytest

from tests.support.cluster import RedisCluster
from tests.support.daemon import example_daemon
from tests.support.drill import FAST, Drill
from tests.support.waiting import wait_until

PREFIX = "{omega}"
ROUNDS = int(os.environ.get("OMEGA_DRILL_ROUNDS", "1"))


@pytest.fixture(scope="module")
def cluster():
    c = RedisCluster().start()
    yield c
    c.cleanup()


@pytest.fixture
def fresh_cluster():
    c = RedisCluster().start()
    yield c
    c.cleanup()


def test_a_prefix_without_a_hash_tag_is_refused_with_the_fix(cluster, tmp_path):
    with pytest.raises(omega_config.ConfigError) as e:
        omega_config.create_config_manager(cluster.url(), namespace_prefix="staging", **FAST)
    assert "{omega}" in str(e.value) and "hash slot" in str(e.value)
    d = example_daemon(tmp_path, types.SimpleNamespace(url=cluster.url()))
    out = subprocess.run(d.command(), capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "hash slot" in out.stderr and "--key-prefix" in out.stderr, out.stderr


def test_writer_and_readers_follow_the_slot_from_any_seed(cluster, tmp_path):
    slot = cluster.keyslot(f"{PREFIX}:omega:config")
    owner, replicas = cluster.slot_nodes(slot)
    others = [n for n in cluster.nodes if n is not owner and n not in replicas]
    # Seeds that own none of it: the writer and the readers must be sent to the owner.
    url = cluster.url(seeds=others[:1])
    d = example_daemon(tmp_path, types.SimpleNamespace(url=url), args=["--key-prefix", PREFIX])
    d.start()
    try:
        version = int(d.config()["version"])
        assert owner.client().get(f"{PREFIX}:omega:config:version") == str(version).encode()
        readers = [omega_config.create_config_manager(url, namespace_prefix=PREFIX, **FAST) for _ in range(3)]
        primary_readers = [
            omega_config.create_config_manager(url + "?role=master", namespace_prefix=PREFIX, **FAST) for _ in range(2)
        ]
        try:
            assert all(r.version == version for r in readers + primary_readers)
            # Replica readers are connected to the slot's replica, primary readers to the owner.
            names = {
                n.port: [c["name"] for c in n.client().client_list() if c.get("name", "").startswith("omega:")]
                for n in [owner, *replicas]
            }
            assert sum(len(v) for p, v in names.items() if p != owner.port) >= 3, names
            assert len(names[owner.port]) >= 2, names
            r = d.patch({"LOG_LEVEL": "DEBUG"})
            assert r.status == 200, r
            v = int(r.json["version"])
            wait_until(lambda: all(m.version == v for m in readers + primary_readers), timeout=10, what="readers")
            assert all(m.LOG_LEVEL == "DEBUG" for m in readers)
        finally:
            for m in readers + primary_readers:
                m.close()
    finally:
        d.stop()


@pytest.mark.parametrize("round_", range(ROUNDS))
@pytest.mark.parametrize("kind", ["slot-owner-sigkill", "slot-owner-sigstop"])
def test_cluster_failover_drill(kind, round_, fresh_cluster, tmp_path, record_property):
    c = fresh_cluster
    slot = c.keyslot(f"{PREFIX}:omega:config")
    owner, _ = c.slot_nodes(slot)
    t_start = time.monotonic()
    drill = Drill(tmp_path, c.url(), prefix=PREFIX).start()
    try:
        t_fault = time.monotonic()
        if kind == "slot-owner-sigkill":
            owner.proc.kill()
            owner.proc.wait()
            owner.proc = None
        else:
            c.pause(owner)
        c.wait_slot_failover(slot, owner.port)
        t_ref = time.monotonic()
        # With one replica per primary, the promoted one has none left: --min-replicas 1 then
        # refuses to acknowledge (503 replication_timeout) until the old owner is back, as a
        # replica of the new one. It comes back: restarted (SIGKILL) or resumed (SIGSTOP).
        time.sleep(1.0)
        if kind == "slot-owner-sigkill":
            owner.start()
        else:
            c.resume(owner)
        drill.finish(t_ref, post_s=6.0)
        rep = drill.check(t_fault, t_ref, lambda: c.slot_nodes(slot)[0].client(), gap_expected=True)
        rep.update(kind=kind, round=round_, promotion_s=round(t_ref - t_fault, 3))
        rep["total_s"] = round(time.monotonic() - t_start, 1)
        print("DRILL " + json.dumps(rep))
        record_property("drill", rep)
    except BaseException:
        print(drill.daemon.log()[-6000:])
        raise
    finally:
        drill.stop()
