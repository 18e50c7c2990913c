"""omegactl as the tests run it: the installed `omegactl` script (the entry point a user runs)
in a subprocess, with the credential in the environment, never on the command line.

Every run goes through `ctl()`, which also checks that no admin token appears in the
command's stdout or stderr."""

import json
import os
import pathlib
import pty
import subprocess
import sys

from tests.support.daemon import ALICE, BOB, env_without_omega
from tests.support.redis_server import redis_keys

# ALICE: "alice:<token>" in the daemon's token file; BOB: a bare token line, actor "token-3".
WRONG = "w" * 48
TOKENS = (ALICE, BOB, WRONG)


def omegactl_command():
    """The installed entry point: `omegactl` beside this interpreter (the venv's bin/), else
    (a developer run without one) `python -m omega_config.ctl`."""
    script = pathlib.Path(sys.executable).parent / "omegactl"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "omega_config.ctl"]


def base_env(token=None, url=None, extra=None):
    env = env_without_omega()
    env.pop("PYTHONPATH", None)  # the installed package, not a source tree
    if token is not None:
        env["OMEGA_ADMIN_TOKEN"] = token
    if url is not None:
        env["OMEGA_SETTINGS_URL"] = url
    env.update(extra or {})
    return env


def assert_no_token(*outputs):
    for out in outputs:
        text = out.decode(errors="replace") if isinstance(out, bytes) else out
        for token in TOKENS:
            assert token not in text, "an admin token was printed"


def ctl(*args, token=None, url=None, extra_env=None, stdin=None, command=None, timeout=60):
    """Runs omegactl; stdout and stderr are pipes, so the output format defaults to JSON."""
    p = subprocess.run(
        [*(command or omegactl_command()), *args],
        env=base_env(token, url, extra_env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert_no_token(p.stdout, p.stderr)
    return p


def ctl_on_a_terminal(*args, token=None, url=None, timeout=60):
    """Runs omegactl with stdout on a pseudo-terminal (as at a shell prompt): (exit code,
    what it printed on the terminal, stderr)."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [*omegactl_command(), *args],
            env=base_env(token, url, {"COLUMNS": "200"}),
            stdout=follower,
            stderr=subprocess.PIPE,
        )
        os.close(follower)
        follower = None
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        err = proc.stderr.read()
        proc.stderr.close()
        code = proc.wait(timeout)
    finally:
        if follower is not None:
            os.close(follower)
        os.close(leader)
    text = b"".join(chunks).decode().replace("\r\n", "\n")
    assert_no_token(text, err)
    return code, text, err.decode()


def error_of(p):
    """The JSON error omegactl wrote to stderr (one line)."""
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, p.stderr
    err = json.loads(lines[0])
    assert set(err) >= {"error", "message", "details"}, err
    return err


def redis_snapshot(redis_server):
    snap, version = redis_server.client().mget("omega:config", "omega:config:version")
    return json.loads(snap), int(version)


def world(daemon, redis_server):
    """What a refused request must leave as it was."""
    return (
        daemon.env_path.read_bytes(),
        redis_keys(redis_server),
        daemon.config()["version"],
        daemon.audit_path.read_bytes() if daemon.audit_path.exists() else b"",
        history_bytes(daemon),
    )


def history_bytes(daemon):
    path = daemon.env_path.with_name(daemon.env_path.name + ".history.jsonl")
    return path.read_bytes() if path.exists() else b""
