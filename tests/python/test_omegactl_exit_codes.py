"""omegactl's exit codes, each caused for real, and its errors in both output formats.

0 ok, 1 rejected (422, 409, 412, 404), 2 usage, 3 unreachable (a closed loopback port, a name
that does not resolve, TLS to a plain-HTTP daemon, a daemon that never answers), 4 not
allowed (401, 403), 5 writer unavailable (503 from a daemon whose Redis is stopped). Every
refusal leaves the .env, Redis, the audit log and the history as they were."""

import json
import socket

import pytest

from tests.support.daemon import ALICE
from tests.support.omegactl import WRONG, ctl, error_of, world
from tests.support.redis_server import free_port


def human_error(p):
    """-o table's error on stderr: `omegactl: <message> (<code>)`, then one line per detail."""
    lines = p.stderr.splitlines()
    assert lines and lines[0].startswith("omegactl: "), p.stderr
    return lines


def test_0_ok_and_the_help_lists_every_exit_code(settingsd):
    assert ctl("get", url=settingsd.base).returncode == 0
    p = ctl("--help")
    assert p.returncode == 0
    for line in ("0  ok", "1  rejected", "2  usage", "3  unreachable", "4  not allowed", "5  writer unavailable"):
        assert line in p.stdout, line
    sub = ctl("patch", "--help")
    assert sub.returncode == 0 and "4  not allowed" in sub.stdout and "--dry-run" in sub.stdout


def test_1_invalid_value_422_prints_the_message_and_every_detail(settingsd, redis_server):
    before = world(settingsd, redis_server)
    p = ctl("patch", "LOG_LEVEL=nope", "REQUEST_TIMEOUT=100000", token=ALICE, url=settingsd.base)
    assert p.returncode == 1 and p.stdout == ""
    err = error_of(p)  # -o json (stdout is not a terminal): the API's error, one line
    assert err["error"] == "validation_failed"
    assert {d["key"] for d in err["details"]} == {"LOG_LEVEL", "REQUEST_TIMEOUT"}

    t = ctl("-o", "table", "patch", "LOG_LEVEL=nope", "REQUEST_TIMEOUT=100000", token=ALICE, url=settingsd.base)
    assert t.returncode == 1 and t.stdout == ""
    lines = human_error(t)
    assert lines[0] == f"omegactl: {err['message']} (validation_failed)"
    assert sorted(lines[1:]) == sorted(f"  {d['key']}: {d['message']}" for d in err["details"])
    assert "must be <= 300" in t.stderr
    assert world(settingsd, redis_server) == before


def test_1_stale_expected_version_409_and_412(settingsd, redis_server):
    assert ctl("patch", "REQUEST_TIMEOUT=45", token=ALICE, url=settingsd.base).returncode == 0
    before = world(settingsd, redis_server)
    for flag in ("--expect-version", "--expected-version"):
        p = ctl("patch", "REQUEST_TIMEOUT=60", flag, "1", token=ALICE, url=settingsd.base)
        assert p.returncode == 1 and error_of(p)["error"] == "version_conflict", p.stderr
    p = ctl("rollback", "1", "--expect-version", "1", token=ALICE, url=settingsd.base)
    assert p.returncode == 1 and error_of(p)["error"] == "precondition_failed", p.stderr
    t = ctl("-o", "table", "rollback", "1", "--expect-version", "1", token=ALICE, url=settingsd.base)
    assert t.returncode == 1 and human_error(t)[0].endswith("(precondition_failed)")
    assert world(settingsd, redis_server) == before


def test_1_unknown_version_404(settingsd, redis_server):
    before = world(settingsd, redis_server)
    for args in (["rollback", "99"], ["diff", "99"], ["diff", "1", "99"]):
        p = ctl(*args, token=ALICE, url=settingsd.base)
        assert p.returncode == 1 and error_of(p)["error"] == "version_not_found", (args, p.stderr)
        assert "1" in error_of(p)["message"]  # names the versions the history holds
    assert world(settingsd, redis_server) == before


def test_2_usage(settingsd, redis_server):
    before = world(settingsd, redis_server)
    for args in (["frobnicate"], ["diff", "abc"], ["patch", "NOEQUALS"], ["-o", "yaml", "get"], ["get", "A", "B"]):
        p = ctl(*args, token=ALICE, url=settingsd.base)
        assert p.returncode == 2, (args, p.stderr)
        assert p.stdout == "" and "usage: omegactl" in p.stderr, args
    assert world(settingsd, redis_server) == before


def test_3_unreachable_closed_port_dns_tls_and_timeout(settingsd):
    closed = f"http://127.0.0.1:{free_port()}"
    for fmt in ("json", "table"):
        p = ctl("-o", fmt, "get", url=closed)
        assert p.returncode == 3 and p.stdout == ""
        assert "cannot connect" in p.stderr and closed in p.stderr
    assert error_of(ctl("get", url=closed))["error"] == "connection_failed"

    p = ctl("get", url="http://omega-settingsd.invalid:9421")  # .invalid never resolves (RFC 2606)
    assert p.returncode == 3 and error_of(p)["error"] == "connection_failed", p.stderr

    # TLS to a daemon that speaks plain HTTP: the handshake fails.
    p = ctl("get", url=f"https://127.0.0.1:{settingsd.port}")
    assert p.returncode == 3 and error_of(p)["error"] == "tls_failed", p.stderr

    # A listener that accepts and never answers: --timeout bounds the wait.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        port = silent.getsockname()[1]
        p = ctl("--timeout", "1", "get", url=f"http://127.0.0.1:{port}", timeout=30)
    assert p.returncode == 3 and error_of(p)["error"] == "timeout", p.stderr


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_4_not_allowed_401_and_403(settingsd, redis_server, fmt):
    before = world(settingsd, redis_server)
    wrong = ctl("-o", fmt, "patch", "LOG_LEVEL=DEBUG", token=WRONG, url=settingsd.base)
    forbidden = ctl("-o", fmt, "patch", "ADMIN_TOKEN=" + "x" * 40, token=ALICE, url=settingsd.base)
    for p, code in ((wrong, "unauthorized"), (forbidden, "forbidden_key")):
        assert p.returncode == 4 and p.stdout == "", p.stderr
        if fmt == "json":
            assert error_of(p)["error"] == code
        else:
            assert human_error(p)[0].endswith(f"({code})")
    assert "x" * 40 not in forbidden.stderr
    assert world(settingsd, redis_server) == before


def test_5_writer_unavailable_when_its_redis_is_stopped(settingsd, redis_server):
    env_before = settingsd.env_path.read_bytes()
    redis_server.stop()
    p = ctl("patch", "LOG_LEVEL=DEBUG", token=ALICE, url=settingsd.base)
    assert p.returncode == 5 and p.stdout == "", p.stderr
    assert error_of(p)["error"] == "redis_unavailable"
    t = ctl("-o", "table", "reload", token=ALICE, url=settingsd.base)
    assert t.returncode == 5 and human_error(t)[0].endswith("(redis_unavailable)")
    # Reads are served from the daemon's memory: still 0.
    assert json.loads(ctl("get", url=settingsd.base).stdout)["version"] == "1"
    assert settingsd.env_path.read_bytes() == env_before
