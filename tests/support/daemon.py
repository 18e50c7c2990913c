"""omega-settingsd as the tests run it: the real binary over real HTTP, each process with
its own scratch directory, .env, schema, admin tokens and audit log.

The binary comes from $OMEGA_SETTINGSD_BIN, else build/daemon-test/ (what
scripts/test-daemon.sh builds, with failpoints compiled in).
"""

import http.client
import json
import os
import pathlib
import signal
import subprocess

import pytest

from tests.support.paths import EXAMPLES, REPO
from tests.support.redis_server import RedisServer, free_port
from tests.support.waiting import wait_until

# The daemon suite's default .env, schema (tests/daemon/data) and admin tokens.
DATA = REPO / "tests" / "daemon" / "data"
ALICE = "alice-token-" + "a" * 40
BOB = "b" * 48  # an unnamed token line: actor "token-<line>"


def daemon_binary() -> str:
    path = os.environ.get("OMEGA_SETTINGSD_BIN") or str(REPO / "build" / "daemon-test" / "daemon" / "omega-settingsd")
    if not os.access(path, os.X_OK):
        pytest.fail(f"omega-settingsd not built at {path}: run scripts/test-daemon.sh or set OMEGA_SETTINGSD_BIN")
    return path


def has_failpoints() -> bool:
    out = subprocess.run([daemon_binary(), "--version"], capture_output=True, text=True).stdout
    return "(failpoints)" in out


def env_without_omega():
    """This process's environment less every OMEGA_* variable, so a child sees only
    what its test sets."""
    return {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")}


class Response:
    """One HTTP answer: status, headers, body."""

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

    def __init__(
        self, workdir: pathlib.Path, redis: RedisServer, args=(), env_text=None, schema_text=None, tokens=None
    ):
        self.dir = workdir
        self.redis = redis
        self.env_path = workdir / "omega.env"
        self.schema_path = workdir / "omega.schema.json"
        self.token_path = workdir / "admin-tokens"
        self.audit_path = workdir / "audit.jsonl"
        self.log_path = workdir / "daemon.log"
        self.env_path.write_bytes(env_text.encode() if env_text is not None else (DATA / "test.env").read_bytes())
        self.schema_path.write_text(
            schema_text if schema_text is not None else (EXAMPLES / "omega.schema.json").read_text()
        )
        self.token_path.write_text(tokens if tokens is not None else f"# admins\nalice:{ALICE}\n{BOB}\n")
        self.port = free_port()
        self.args = list(args)
        self.proc = None
        self._log = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self):
        return [
            daemon_binary(),
            "--env",
            str(self.env_path),
            "--schema",
            str(self.schema_path),
            "--redis-url",
            self.redis.url,
            "--listen",
            f"127.0.0.1:{self.port}",
            "--audit-log",
            str(self.audit_path),
            "--admin-token-file",
            str(self.token_path),
            "--reconcile-interval-ms",
            "200",
            *self.args,
        ]

    def start(self, extra_env=None, wait=True, prefix=(), pass_fds=()):
        """prefix: a command that runs the daemon (e.g. a shell that sets `ulimit -f` first);
        pass_fds: descriptors the daemon inherits open (as a service manager may hand them)."""
        env = env_without_omega()
        env.update(extra_env or {})
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (open while the daemon runs)
        self.proc = subprocess.Popen(
            [*prefix, *self.command()], stdout=self._log, stderr=self._log, env=env, pass_fds=pass_fds
        )
        if wait:
            self.wait_healthy()
        return self

    def wait_healthy(self):
        try:
            wait_until(self._healthy, timeout=15, what="omega-settingsd to become healthy")
        except AssertionError:
            raise RuntimeError("omega-settingsd did not become healthy:\n" + self.log()) from None

    def _healthy(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"omega-settingsd exited {self.proc.returncode}:\n{self.log()}")
        try:
            return self.request("GET", "/healthz", token=None).status == 200
        except OSError:
            return False

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
        self._close_log()

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        self._close_log()

    def _close_log(self):
        if self._log:
            self._log.close()
            self._log = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # An ssl.SSLContext when the daemon serves HTTPS (--tls-cert/--tls-key): requests use it.
    https_context = None

    def request(self, method, path, body=None, headers=None, token=ALICE, content_type="application/json"):
        if self.https_context is not None:
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=20, context=self.https_context)
        else:
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


def example_daemon(workdir, redis: RedisServer, **kw) -> Daemon:
    """A Daemon (not started) with the bundled examples/omega.env and its schema: what a
    user would start the writer with."""
    return Daemon(
        workdir,
        redis,
        env_text=(EXAMPLES / "omega.env").read_text(),
        schema_text=(EXAMPLES / "omega.schema.json").read_text(),
        **kw,
    )
