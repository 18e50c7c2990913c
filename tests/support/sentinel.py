"""A replicated Redis on loopback: one primary, its replicas and a set of Sentinels watching
them, each a real redis-server process with its own port and directory. Used by the failover
drill (tests/python/test_failover_drill.py), the writer's Sentinel tests and the fan-out
benchmark. Sentinels run with small timeouts (down after 1 s), so a failover takes seconds.

    with SentinelSet(replicas=2, sentinels=3) as rs:
        url = rs.url()                          # redis-sentinel://127.0.0.1:p1,…/omega
        rs.primary().pause(); rs.wait_promoted(old)
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

import redis as redis_py

from tests.support.redis_server import REDIS_SERVER, RedisServer, free_port
from tests.support.waiting import wait_until

MASTER = "omega"


class Sentinel:
    """One redis-server --sentinel process with its own writable config file."""

    def __init__(
        self,
        monitor_port,
        master=MASTER,
        quorum=2,
        down_after_ms=1000,
        failover_timeout_ms=4000,
        password=None,
        tls=None,
        extra=(),
    ):
        self.port = free_port()
        self.password = password
        self.tls = tls  # tests.support.tls.TlsFiles: TLS only, to clients and to the nodes
        self.dir = tempfile.mkdtemp(prefix="omega-sentinel-")
        self.conf = os.path.join(self.dir, "sentinel.conf")
        if tls:
            listen = ["port 0", f"tls-port {self.port}", f"tls-cert-file {tls.path('server.crt')}"]
            listen += [f"tls-key-file {tls.path('server.key')}", f"tls-ca-cert-file {tls.ca}"]
            listen += ["tls-auth-clients no", "tls-replication yes"]
        else:
            listen = [f"port {self.port}"]
        lines = [
            *listen,
            "bind 127.0.0.1",
            "daemonize no",
            f"dir {self.dir}",
            f"logfile {os.path.join(self.dir, 'sentinel.log')}",
            f"sentinel monitor {master} 127.0.0.1 {monitor_port} {quorum}",
            f"sentinel down-after-milliseconds {master} {down_after_ms}",
            f"sentinel failover-timeout {master} {failover_timeout_ms}",
            f"sentinel parallel-syncs {master} 4",
            *([f"requirepass {password}"] if password else []),
            *extra,
        ]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [REDIS_SERVER, self.conf, "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(self._answers, timeout=10, what=f"Sentinel on port {self.port}")
        return self

    def client(self):
        kw = dict(ssl=True, ssl_ca_certs=self.tls.ca) if self.tls else {}
        return redis_py.Redis(
            host="127.0.0.1", port=self.port, password=self.password, socket_timeout=2, decode_responses=True, **kw
        )

    def _answers(self):
        try:
            return self.client().ping()
        except redis_py.exceptions.ConnectionError:
            return False

    def primary_port(self, master=MASTER):
        """The port this Sentinel names as the primary now (None if it cannot say)."""
        try:
            addr = self.client().execute_command("SENTINEL", "get-master-addr-by-name", master)
        except redis_py.exceptions.RedisError:
            return None
        return int(addr[1]) if addr else None

    def log(self):
        path = os.path.join(self.dir, "sentinel.log")
        return open(path, errors="replace").read() if os.path.exists(path) else ""

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class SentinelSet:
    """A primary, `replicas` replicas and `sentinels` Sentinels on loopback.

    Nodes are RedisServer objects (tests/support/redis_server.py); `nodes` keeps them in start
    order, whatever their role now. redis_args go to every data node."""

    def __init__(
        self,
        replicas=2,
        sentinels=3,
        master=MASTER,
        quorum=2,
        down_after_ms=1000,
        redis_args=(),
        sentinel_password=None,
        tls=None,
    ):
        self.master = master
        # A replica that (re)joins syncs at once, not after the default 5 s diskless delay.
        self.redis_args = ["--repl-diskless-sync-delay", "0", *redis_args]
        if tls:  # TLS only, replication too
            self.redis_args += ["--tls-replication", "yes"]
        self.nodes = [RedisServer(tls=tls, extra_args=self.redis_args)]
        for _ in range(replicas):
            self.nodes.append(RedisServer(tls=tls, extra_args=[*self.redis_args, "--replicaof", "127.0.0.1", "0"]))
        self.sentinel_options = dict(master=master, quorum=quorum, down_after_ms=down_after_ms)
        if sentinel_password:  # one password for every Sentinel (they log in to each other with it)
            self.sentinel_options["password"] = sentinel_password
        if tls:
            self.sentinel_options["tls"] = tls
        self.tls = tls
        self.n_sentinels = sentinels
        self.sentinels = []

    # ---- lifecycle ----------------------------------------------------------------------

    def start(self):
        try:
            primary = self.nodes[0].start()
            for r in self.nodes[1:]:
                r.extra_args[-1] = str(primary.port)
                r.start()
            # Synced before the Sentinels look: a Sentinel that first sees a replica mid-sync
            # calls it unhealthy until its next INFO, 10 s later, and readers avoid it meanwhile.
            self.wait_synced()
            self.sentinels = [Sentinel(primary.port, **self.sentinel_options).start() for _ in range(self.n_sentinels)]
            # Every Sentinel knows every replica healthy, and the other Sentinels, before the test.
            wait_until(self._sentinels_settled, timeout=30, what="the Sentinels to discover replicas and each other")
        except BaseException:
            self.cleanup()
            raise
        return self

    def _sentinels_settled(self):
        want_replicas = len(self.nodes) - 1
        for s in self.sentinels:
            if s.proc is None:
                continue
            try:
                info = s.client().execute_command("SENTINEL", "master", self.master)
            except redis_py.exceptions.RedisError:
                return False
            info = dict(zip(info[::2], info[1::2])) if isinstance(info, list) else info
            if int(info.get("num-slaves", 0)) < want_replicas:
                return False
            if int(info.get("num-other-sentinels", 0)) < len([x for x in self.sentinels if x.proc]) - 1:
                return False
            replicas = s.client().execute_command("SENTINEL", "REPLICAS", self.master)
            if sum(1 for r in replicas if r.get("master-link-status") == "ok") < want_replicas:
                return False
        return True

    def cleanup(self):
        for s in self.sentinels:
            s.cleanup()
        for n in self.nodes:
            n.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

    # ---- addresses ----------------------------------------------------------------------

    def url(self, role=None, sentinels=None, db=None, query=""):
        """redis-sentinel://127.0.0.1:p1,127.0.0.1:p2,…/<master>[/db][?role=…]"""
        ss = sentinels if sentinels is not None else self.sentinels
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in ss)
        params = [p for p in (f"role={role}" if role else "", query) if p]
        if self.tls:
            params.append(f"ssl_ca_certs={self.tls.ca}")
        return (
            f"{'rediss' if self.tls else 'redis'}-sentinel://{hosts}/{self.master}"
            + (f"/{db}" if db is not None else "")
            + ("?" + "&".join(params) if params else "")
        )

    # ---- roles ----------------------------------------------------------------------------

    def live_nodes(self):
        return [n for n in self.nodes if n.proc is not None and n.proc.poll() is None]

    def role_of(self, node):
        try:
            return node.client(socket_timeout=1).execute_command("ROLE")[0]
        except redis_py.exceptions.RedisError:
            return None

    def primary(self):
        """The node that says ROLE master (the first one, if two do)."""
        for n in self.live_nodes():
            if self.role_of(n) in (b"master", "master"):
                return n
        return None

    def replicas(self):
        return [n for n in self.live_nodes() if self.role_of(n) in (b"slave", "slave")]

    def current_primary(self):
        """The node the live Sentinels agree is the primary now (waits up to 30 s for them to
        agree and for it to say ROLE master)."""

        def agreed():
            port = self.sentinel_primary_port()
            node = next((n for n in self.live_nodes() if n.port == port), None)
            return node if node is not None and self.role_of(node) in (b"master", "master") else None

        return wait_until(agreed, timeout=30, what="the Sentinels to agree on a primary")

    def sentinel_primary_port(self):
        """The primary's port if every live Sentinel names the same one, else None."""
        ports = {s.primary_port(self.master) for s in self.sentinels if s.proc is not None}
        return ports.pop() if len(ports) == 1 else None

    def wait_promoted(self, old_port, timeout=30):
        """Waits for the promotion: a node other than old_port says ROLE master and a live
        Sentinel names it (the first Sentinel to switch is enough: the writer follows the
        newest view at once). Returns (node, seconds waited)."""
        t0 = time.monotonic()

        def promoted():
            for s in self.sentinels:
                if s.proc is None:
                    continue
                port = s.primary_port(self.master)
                if port is None or port == old_port:
                    continue
                node = next((n for n in self.live_nodes() if n.port == port), None)
                if node is not None and self.role_of(node) in (b"master", "master"):
                    return node
            return None

        node = wait_until(promoted, timeout=timeout, what=f"a replica to be promoted in place of port {old_port}")
        return node, time.monotonic() - t0

    def wait_synced(self, timeout=20):
        """Waits until every live replica reports its link to the primary up."""

        def synced():
            for r in self.live_nodes():
                if self.role_of(r) not in (b"slave", "slave"):
                    continue
                info = r.client(socket_timeout=1).info("replication")
                if info.get("master_link_status") != "up":
                    return False
            return True

        wait_until(synced, timeout=timeout, what="the replicas to sync")
