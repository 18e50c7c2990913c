"""A real redis-server on a free loopback port, one per test (the `redis_server`
fixture), so there is one way to start, pause, restart and stop Redis in tests."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile

import pytest
import redis as redis_py

from tests.support.waiting import wait_until

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A private redis-server bound to 127.0.0.1, persisting to a temp dir.

    tls: a tests.support.tls.TlsFiles; the server then listens with TLS only (plain port off),
    presenting `cert` (a name in that directory) and, with auth_clients, demanding a client
    certificate. username/password: the user the harness's own client() logs in as.
    extra_args: more redis-server arguments (an --aclfile, say)."""

    def __init__(
        self, port=None, password=None, tls=None, cert="server", auth_clients=False, username=None, extra_args=()
    ):
        self.port = port or free_port()
        self.password = password
        self.username = username
        self.tls = tls
        self.cert = cert
        self.auth_clients = auth_clients
        self.extra_args = list(extra_args)
        self.dir = tempfile.mkdtemp(prefix="omega-redis-")
        self.proc = None

    @property
    def url(self) -> str:
        user = self.username or ""
        auth = f"{user}:{self.password}@" if self.password else ""
        if self.tls:
            return f"rediss://{auth}127.0.0.1:{self.port}/0?ssl_ca_certs={self.tls.ca}"
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self):
        args = [
            REDIS_SERVER,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            self.dir,
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--logfile",
            os.path.join(self.dir, "redis.log"),
        ]
        if self.password and not self.username:
            args += ["--requirepass", self.password]
        if self.tls:
            args[1:3] = ["--port", "0", "--tls-port", str(self.port)]
            args += ["--tls-cert-file", self.tls.path(f"{self.cert}.crt"), "--tls-key-file"]
            args += [self.tls.path(f"{self.cert}.key"), "--tls-ca-cert-file", self.tls.ca]
            args += ["--tls-auth-clients", "yes" if self.auth_clients else "no"]
        args += self.extra_args
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._answers_ping, timeout=10, what=f"redis-server to start on port {self.port}")
        return self

    def _answers_ping(self):
        try:
            return self.client().ping()
        except redis_py.exceptions.ConnectionError:
            return False

    def client(self, **kw) -> redis_py.Redis:
        if self.tls:
            kw.setdefault("ssl", True)
            kw.setdefault("ssl_ca_certs", self.tls.ca)
            if self.auth_clients:
                kw.setdefault("ssl_certfile", self.tls.path("client.crt"))
                kw.setdefault("ssl_keyfile", self.tls.path("client.key"))
            if self.cert != "server":
                kw.setdefault("ssl_check_hostname", False)
                kw.setdefault("ssl_cert_reqs", "none")
        kw.setdefault("username", self.username)
        kw.setdefault("password", self.password)
        kw.setdefault("socket_timeout", 5)
        return redis_py.Redis(host="127.0.0.1", port=self.port, **kw)

    def save(self):
        """SAVE, once a background save in progress (a replica's full sync) has finished."""

        def saved():
            try:
                return self.client().save()
            except redis_py.ResponseError as e:
                if "in progress" not in str(e):
                    raise
                return False

        wait_until(saved, what="a SAVE")

    def stop(self, keep_data=False):
        if self.proc is None:
            return
        if keep_data:
            self.save()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self, keep_data=True):
        """Restart on the same port; keep_data=False starts with an empty dataset."""
        self.stop(keep_data=keep_data)
        if not keep_data:
            for name in os.listdir(self.dir):
                if name.endswith(".rdb"):
                    os.remove(os.path.join(self.dir, name))
        elif not os.path.exists(os.path.join(self.dir, "dump.rdb")):
            raise RuntimeError("no dump.rdb written")
        # dbfilename default dump.rdb is loaded from --dir at start
        return self.start()

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def redis_keys(redis):
    """The pattern document's three keys as Redis holds them: (snapshot, version, meta)."""
    return tuple(redis.client().mget("omega:config", "omega:config:version", "omega:config:meta"))


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.cleanup()
