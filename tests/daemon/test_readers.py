"""The fleet view: GET /config/readers lists the readers that named their subscriber
connection omega:<service>:<host>:<pid>:v<version>:<STATE>, from CLIENT LIST on the primary
and every replica it names; the readers gauge in /metrics; "subscribers" in a patch answer."""

import pytest

from tests.support.redis_server import RedisServer
from tests.support.waiting import wait_until


class FakeReader:
    """A subscriber connection named as the reader core names its own."""

    def __init__(self, redis, name):
        # client_name: redis-py sends CLIENT SETNAME on every connection it opens, the
        # subscriber's included.
        self.client = redis.client(client_name=name) if name else redis.client()
        self.pubsub = self.client.pubsub()
        self.pubsub.subscribe("config_channel")
        self.pubsub.get_message(timeout=5)

    def close(self):
        self.pubsub.close()
        self.client.close()


@pytest.fixture
def readers():
    made = []

    def make(redis, name=None):
        r = FakeReader(redis, name)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


@pytest.fixture
def replica(redis_server):
    server = RedisServer(extra_args=["--replicaof", "127.0.0.1", str(redis_server.port)]).start()
    wait_until(
        lambda: redis_server.client().info("replication").get("connected_slaves", 0) >= 1,
        timeout=15,
        what="the replica to attach",
    )
    yield server
    server.cleanup()


def fleet(d):
    r = d.request("GET", "/config/readers", token=None)
    assert r.status == 200, r
    return r.json


def test_readers_on_the_primary_and_a_replica(daemon, redis_server, replica, readers):
    readers(redis_server, "omega:billing:host-a:101:v1:READY")
    readers(redis_server, "omega:billing:host-b:102:v1:STALE")
    readers(replica, "omega:agent:fd00::7:55:v1:READY")
    readers(replica, "omega:agent:host-c:56:v0:ERROR")
    readers(redis_server)  # a plain subscriber (the pattern document's client)
    readers(replica)
    got = fleet(daemon)
    primary, replica_node = f"127.0.0.1:{redis_server.port}", f"127.0.0.1:{replica.port}"
    assert got["nodes"] == [{"node": primary, "role": "primary"}, {"node": replica_node, "role": "replica"}]
    by_name = {(r["service"], r["host"], r["pid"]): r for r in got["readers"]}
    assert set(by_name) == {
        ("billing", "host-a", 101),
        ("billing", "host-b", 102),
        ("agent", "fd00::7", 55),
        ("agent", "host-c", 56),
    }
    a = by_name[("billing", "host-a", 101)]
    assert a["version"] == "1" and a["state"] == "READY" and a["node"] == primary
    assert a["addr"].startswith("127.0.0.1:") and a["idle_s"] >= 0
    assert by_name[("agent", "fd00::7", 55)]["node"] == replica_node
    assert by_name[("agent", "host-c", 56)]["state"] == "ERROR"
    assert got["by_version"] == {"1": 3, "0": 1}
    assert got["unnamed_subscribers"] == 2


def test_a_node_that_cannot_be_asked_is_listed_with_its_error(daemon, redis_server, readers):
    locked = RedisServer(extra_args=["--replicaof", "127.0.0.1", str(redis_server.port), "--requirepass", "x" * 20])
    locked.password = "x" * 20
    locked.start()
    try:
        wait_until(
            lambda: redis_server.client().info("replication").get("connected_slaves", 0) >= 1,
            timeout=15,
            what="the replica to attach",
        )
        readers(redis_server, "omega:svc:h:1:v1:READY")
        got = fleet(daemon)
        assert got["nodes"][0] == {"node": f"127.0.0.1:{redis_server.port}", "role": "primary"}
        node = got["nodes"][1]
        assert node["role"] == "replica" and node["node"] == f"127.0.0.1:{locked.port}"
        assert node["error"] and "x" * 20 not in node["error"]
        assert got["by_version"] == {"1": 1}
    finally:
        locked.cleanup()


def test_readers_when_redis_is_down_is_503(daemon, redis_server):
    redis_server.stop()
    r = daemon.request("GET", "/config/readers", token=None)
    assert r.status == 503 and r.json["error"] == "redis_unavailable"


def test_readers_gauge_in_metrics(daemon, redis_server, readers):
    readers(redis_server, "omega:billing:h1:1:v1:READY")
    readers(redis_server, "omega:billing:h2:2:v1:READY")
    readers(redis_server, "omega:billing:h3:3:v1:STALE")
    readers(redis_server)
    body = daemon.request("GET", "/metrics", token=None).body
    assert 'omega_settingsd_readers{version="1",state="READY"} 2' in body
    assert 'omega_settingsd_readers{version="1",state="STALE"} 1' in body
    assert "omega_settingsd_unnamed_subscribers 1" in body


def test_a_patch_answers_how_many_subscribers_got_the_message(daemon, redis_server, readers):
    r = daemon.patch({"LOG_LEVEL": "DEBUG"})
    assert r.status == 200 and r.json["subscribers"] == 0
    readers(redis_server, "omega:svc:h:1:v2:READY")
    readers(redis_server)
    r = daemon.patch({"LOG_LEVEL": "ERROR"})
    assert r.json == {"version": "3", "changed": ["LOG_LEVEL"], "subscribers": 2}
    assert daemon.patch({"LOG_LEVEL": "ERROR"}).json == {"version": "3", "changed": []}, "a no-op publishes nothing"
    r = daemon.request("POST", "/config/rollback", {"version": 1})
    assert r.json["subscribers"] == 2
