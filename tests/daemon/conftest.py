"""Fixtures for the omega-settingsd suite: the real daemon binary over real HTTP, a real
redis-server (the shared `redis_server` fixture from tests/conftest.py) and a spy
subscriber on config_channel.

The binary comes from $OMEGA_SETTINGSD_BIN, else build-daemon-test/ (what
scripts/test-daemon.sh builds, with failpoints compiled in).
"""
import hashlib
import hmac
import http.client
import importlib.util
import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import time
import uuid

import pytest

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
DATA = HERE / "data"

# tests/conftest.py is loaded by pytest for its fixtures; load it once more under its own
# name to reach the RedisServer class (two files called conftest.py cannot both be imported
# as "conftest").
_spec = importlib.util.spec_from_file_location("omega_shared_conftest", HERE.parent / "conftest.py")
shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shared)
RedisServer = shared.RedisServer
free_port = shared.free_port

# The secret values of tests/daemon/data/test.env: they must never appear outside the .env
# and the Redis snapshot.
SECRET_VALUES = ["tEsT-secret-key-NEVER-LEAK-0123456789abcdef", "Mongo-PASS-never-leak"]
ALICE = "alice-token-" + "a" * 40
BOB = "b" * 48  # an unnamed token line: actor "token-<line>"


def daemon_binary() -> str:
    path = os.environ.get("OMEGA_SETTINGSD_BIN") or str(REPO / "build-daemon-test" / "daemon" / "omega-settingsd")
    if not os.access(path, os.X_OK):
        pytest.fail(f"omega-settingsd not built at {path}: run scripts/test-daemon.sh or set OMEGA_SETTINGSD_BIN")
    return path


def has_failpoints() -> bool:
    out = subprocess.run([daemon_binary(), "--version"], capture_output=True, text=True).stdout
    return "(failpoints)" in out


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    @property
    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<Response {self.status} {self.body[:300]!r}>"


class Daemon:
    """One omega-settingsd process with its own scratch directory."""

    def __init__(self, workdir: pathlib.Path, redis: "RedisServer", args=(), env_text=None,
                 schema_text=None, tokens=None):
        self.dir = workdir
        self.redis = redis
        self.env_path = workdir / "omega.env"
        self.schema_path = workdir / "omega.schema.json"
        self.token_path = workdir / "admin-tokens"
        self.audit_path = workdir / "audit.jsonl"
        self.log_path = workdir / "daemon.log"
        self.env_path.write_bytes(env_text.encode() if env_text is not None else (DATA / "test.env").read_bytes())
        self.schema_path.write_text(schema_text if schema_text is not None else (DATA / "test.schema.json").read_text())
        self.token_path.write_text(tokens if tokens is not None else f"# admins\nalice:{ALICE}\n{BOB}\n")
        self.port = free_port()
        self.args = list(args)
        self.proc = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self):
        return [daemon_binary(), "--env", str(self.env_path), "--schema", str(self.schema_path),
                "--redis-url", self.redis.url, "--listen", f"127.0.0.1:{self.port}",
                "--audit-log", str(self.audit_path), "--admin-token-file", str(self.token_path),
                "--reconcile-interval-ms", "200", *self.args]

    def start(self, extra_env=None, wait=True):
        env = {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")}
        env.update(extra_env or {})
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command(), stdout=self._log, stderr=self._log, env=env)
        if wait:
            self.wait_healthy()
        return self

    def wait_healthy(self):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"omega-settingsd exited {self.proc.returncode}:\n{self.log()}")
            try:
                if self.request("GET", "/healthz", token=None).status == 200:
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("omega-settingsd did not become healthy:\n" + self.log())

    def stop(self):
        """SIGTERM and wait; a clean shutdown exits 0 (a sanitizer report would not)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("omega-settingsd did not stop on SIGTERM:\n" + self.log())
            assert self.proc.returncode == 0, f"exit {self.proc.returncode}:\n{self.log()[-4000:]}"
        self.proc = None

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def request(self, method, path, body=None, headers=None, token=ALICE, content_type="application/json"):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        hdrs = dict(headers or {})
        if token is not None:
            hdrs.setdefault("Authorization", f"Bearer {token}")
        if body is not None:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode()
            if content_type is not None:
                hdrs.setdefault("Content-Type", content_type)
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        resp = Response(r.status, r.getheaders(), r.read().decode(errors="replace"))
        conn.close()
        return resp

    def patch(self, updates, token=ALICE, **extra):
        return self.request("POST", "/config/patch", {"updates": updates, **extra}, token=token)

    def config(self):
        return self.request("GET", "/config", token=None).json


def raw_http(port, data: bytes, read_timeout=5.0) -> bytes:
    """Sends raw bytes and returns whatever comes back until the server closes (or timeout)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(read_timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out:
                head, _, rest = out.partition(b"\r\n\r\n")
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:") and len(rest) >= int(line.split(b":")[1]):
                        return out
    except (socket.timeout, ConnectionResetError):
        pass
    finally:
        s.close()
    return out


def hmac_header(secret, name, method, path, body: bytes, ts=None, nonce=None):
    ts = str(int(time.time()) if ts is None else ts)
    nonce = nonce or secrets.token_hex(16)
    msg = "\n".join([method, path, ts, nonce, hashlib.sha256(body).hexdigest()]).encode()
    sig = hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()
    return f"OMEGA-HMAC-SHA256 key={name},ts={ts},nonce={nonce},sig={sig}"


class Spy:
    """A subscriber on the channel, as any reader would have."""

    def __init__(self, redis: "RedisServer", channel="config_channel"):
        self.redis = redis
        self.channel = channel
        self.client = redis.client()
        self.pubsub = self.client.pubsub()
        self.pubsub.subscribe(channel)
        while self.pubsub.get_message(timeout=5) is None:
            pass
        self.messages = []

    def drain(self):
        """Everything published up to now: a sentinel published after the daemon's answer
        arrives after any message the daemon published before answering."""
        sentinel = "spy-sentinel-" + uuid.uuid4().hex
        self.redis.client().publish(self.channel, sentinel)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            m = self.pubsub.get_message(timeout=1)
            if m is None or m["type"] != "message":
                continue
            data = m["data"].decode()
            if data == sentinel:
                return self.messages
            if not data.startswith("spy-sentinel-"):
                self.messages.append(data)
        raise AssertionError("the spy never saw its own sentinel")

    def wait_for(self, predicate, timeout=20):
        """The first new message satisfying predicate(json) (for background publications)."""
        deadline = time.monotonic() + timeout
        seen = len(self.messages)
        while time.monotonic() < deadline:
            self.drain()
            for raw in self.messages[seen:]:
                msg = json.loads(raw)
                if predicate(msg):
                    return msg
            seen = len(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"no matching message; saw {self.messages}")

    def close(self):
        self.pubsub.close()
        self.client.close()


def redis_keys(redis):
    return tuple(redis.client().mget("omega:config", "omega:config:version", "omega:config:meta"))


class World:
    """Everything a bad request must leave untouched."""

    def __init__(self, daemon, redis, spy):
        self.daemon, self.redis, self.spy = daemon, redis, spy

    def capture(self):
        self.spy.drain()
        return {
            "env": self.daemon.env_path.read_bytes(),
            "redis": redis_keys(self.redis),
            "audit": self.daemon.audit_path.read_bytes() if self.daemon.audit_path.exists() else b"",
            "messages": len(self.spy.messages),
            "version": self.daemon.config()["version"],
        }

    def assert_unchanged(self, before):
        after = self.capture()
        assert after["env"] == before["env"], ".env changed"
        assert after["redis"] == before["redis"], "Redis keys changed"
        assert after["messages"] == before["messages"], f"spy saw {self.spy.messages[before['messages']:]}"
        assert after["audit"] == before["audit"], "an audit record was written"
        assert after["version"] == before["version"]


@pytest.fixture
def make_daemon(redis_server, tmp_path):
    made = []

    def factory(args=(), start=True, redis=None, subdir="d", **kw):
        work = tmp_path / f"{subdir}{len(made)}"
        work.mkdir()
        d = Daemon(work, redis or redis_server, args=args, **kw)
        made.append(d)
        if start:
            d.start()
        return d

    yield factory
    for d in made:
        d.stop()


@pytest.fixture
def daemon(make_daemon):
    return make_daemon()


@pytest.fixture
def spy(redis_server):
    s = Spy(redis_server)
    yield s
    s.close()


@pytest.fixture
def world(daemon, redis_server, spy):
    return World(daemon, redis_server, spy)
