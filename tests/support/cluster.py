"""A small Redis Cluster on loopback: three primaries and three replicas, made with
`redis-cli --cluster create` (tests/python/test_cluster.py). The cluster bus ports are chosen
free ports (--cluster-port), and cluster-node-timeout is 1 s, so a failover takes seconds.

    with RedisCluster() as c:
        url = c.url()                 # redis-cluster://127.0.0.1:p1,127.0.0.1:p2,…
        owner = c.slot_owner(slot)    # the RedisServer serving that slot now
"""

import shutil
import subprocess
import time

import redis as redis_py

from tests.support.redis_server import RedisServer, free_port
from tests.support.waiting import wait_until

REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"


class RedisCluster:
    def __init__(self, primaries=3, replicas_per_primary=1, node_timeout_ms=1000, redis_args=()):
        self.nodes = []
        for _ in range(primaries * (1 + replicas_per_primary)):
            args = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]
            args += ["--cluster-node-timeout", str(node_timeout_ms), "--cluster-port", str(free_port())]
            args += ["--repl-diskless-sync-delay", "0"]  # a returning node syncs now, not in 5 s
            self.nodes.append(RedisServer(extra_args=[*args, *redis_args]))
        self.replicas_per_primary = replicas_per_primary

    def start(self):
        try:
            for n in self.nodes:
                n.start()
            cmd = [REDIS_CLI, "--cluster", "create", *[f"127.0.0.1:{n.port}" for n in self.nodes]]
            cmd += ["--cluster-replicas", str(self.replicas_per_primary), "--cluster-yes"]
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
            if out.returncode != 0:
                raise RuntimeError("redis-cli --cluster create failed:\n" + out.stdout + out.stderr)
            wait_until(self._all_ok, timeout=30, what="the cluster to be ok on every node")
            self.wait_synced()
        except BaseException:
            self.cleanup()
            raise
        return self

    def _all_ok(self):
        for n in self.live_nodes():
            try:
                info = n.client(socket_timeout=1).execute_command("CLUSTER", "INFO")
            except redis_py.exceptions.RedisError:
                return False
            text = info.decode() if isinstance(info, bytes) else info
            if "cluster_state:ok" not in text:
                return False
        return self.slots_agree()

    def slots_agree(self, replicas=True):
        """Every live node reports the same slot map, every slot's primary is alive, and
        (replicas) every range lists its replicas."""
        maps = set()
        live_ports = {n.port for n in self.live_nodes()}
        for n in self.live_nodes():
            try:
                slots = n.client(socket_timeout=1).execute_command("CLUSTER", "SLOTS")
            except redis_py.exceptions.RedisError:
                return False
            m = tuple(sorted((s[0], s[1], int(s[2][1])) for s in slots))
            if any(port not in live_ports for *_, port in m):
                return False
            maps.add(m)
            # Every slot range lists its replicas (CLUSTER SLOTS shows them once configured).
            if replicas and any(len(s) - 3 < self.replicas_per_primary for s in slots):
                return False
        return len(maps) == 1

    def wait_synced(self, timeout=30):
        """Every live replica has its link to its primary up."""

        def synced():
            for n in self.live_nodes():
                info = n.client(socket_timeout=1).info("replication")
                if info.get("role") == "slave" and info.get("master_link_status") != "up":
                    return False
            return True

        wait_until(synced, timeout=timeout, what="the cluster's replicas to sync")

    def cleanup(self):
        for n in self.nodes:
            n.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

    def live_nodes(self):
        """Running and not paused (pause() / resume() below)."""
        return [
            n for n in self.nodes if n.proc is not None and n.proc.poll() is None and not getattr(n, "paused", False)
        ]

    def pause(self, node):
        node.pause()
        node.paused = True

    def resume(self, node):
        node.resume()
        node.paused = False

    def url(self, seeds=None, query=""):
        seeds = seeds if seeds is not None else self.nodes
        return "redis-cluster://" + ",".join(f"127.0.0.1:{n.port}" for n in seeds) + (f"?{query}" if query else "")

    def node(self, port):
        return next(n for n in self.nodes if n.port == port)

    def keyslot(self, key):
        return int(self.live_nodes()[0].client().execute_command("CLUSTER", "KEYSLOT", key))

    def slot_nodes(self, slot):
        """(primary, [replicas]) serving slot, as a live node reports it."""
        for n in self.live_nodes():
            try:
                slots = n.client(socket_timeout=1).execute_command("CLUSTER", "SLOTS")
            except redis_py.exceptions.RedisError:
                continue
            for s in slots:
                if s[0] <= slot <= s[1]:
                    return self.node(int(s[2][1])), [self.node(int(r[1])) for r in s[3:]]
        raise AssertionError(f"no live node reports slot {slot}")

    def wait_slot_failover(self, slot, old_port, timeout=30):
        """Waits for the promotion: a live node other than old_port serves slot by its own
        account (the writer follows its MOVED at once, before the others have heard). Returns
        (node, seconds waited)."""
        t0 = time.monotonic()

        def moved():
            for n in self.live_nodes():
                if n.port == old_port:
                    continue
                try:
                    slots = n.client(socket_timeout=1).execute_command("CLUSTER", "SLOTS")
                except redis_py.exceptions.RedisError:
                    continue
                for s in slots:
                    if s[0] <= slot <= s[1] and int(s[2][1]) == n.port:
                        return n
            return None

        node = wait_until(moved, timeout=timeout, what=f"slot {slot} to fail over from port {old_port}")
        return node, time.monotonic() - t0
