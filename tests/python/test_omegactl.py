"""omegactl, the admin CLI, run as a user runs it: the installed `omegactl` script (and
`python -m omega_config.ctl`) in a subprocess, against the real omega-settingsd binary
($OMEGA_SETTINGSD_BIN) and a real redis-server: the commands that came first (get, patch,
reload, history, rollback), credentials, URLs, usage. The newer subcommands, the output
formats and the exit codes have files of their own (test_omegactl_*.py).

Every invocation goes through `ctl()` (tests/support/omegactl.py), which also checks that no
admin token appears in the command's stdout or stderr.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from tests.support.daemon import ALICE, BOB, example_daemon
from tests.support.omegactl import (
    WRONG,
    base_env,
    ctl,
    error_of,
    redis_snapshot,
    world,
)
from tests.support.redis_server import free_port
from tests.support.spy import Spy

# The example .env's secret values: `get` must show them masked.
EXAMPLE_SECRETS = ("dev-only-secret-key-change-me-0123456789", "mongodb://mongo:27017/omega")


# ----------------------------------------------------------------------------- get


def test_get_prints_the_daemons_json_and_pipes_into_jq(settingsd):
    p = ctl("get", url=settingsd.base)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    out = json.loads(p.stdout)
    assert out["version"] == "1"
    assert out["config"]["LOG_LEVEL"] == "INFO"
    assert out["config"]["REQUEST_TIMEOUT"] == 30
    assert out["config"]["SECRET_KEY"] == "**********"
    for secret in EXAMPLE_SECRETS:
        assert secret not in p.stdout

    compact = ctl("--compact", "get", "--url", settingsd.base)  # options before or after the command
    assert compact.returncode == 0, compact.stderr
    assert compact.stdout.count("\n") == 1 and json.loads(compact.stdout) == out

    jq = shutil.which("jq")
    if jq is None:
        pytest.skip("jq is not installed")
    env = base_env(url=settingsd.base)
    piped = subprocess.run(
        f"{sys.executable} -m omega_config.ctl get | {jq} -r .config.LOG_LEVEL",
        shell=True,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == "INFO\n"


# ----------------------------------------------------------------------------- patch


def test_patch_sends_typed_values_seen_in_get_in_redis_and_in_the_env_file(settingsd, redis_server):
    p = ctl(
        "patch",
        "REQUEST_TIMEOUT=45",
        "FEATURE_STREAMING=false",
        "LLM_TEMPERATURE=1.25",
        "LOG_LEVEL=DEBUG",
        'SERVICE_NAME="omega-two"',
        "RATE_LIMIT_PER_MINUTE=120",
        token=ALICE,
        url=settingsd.base,
    )
    assert p.returncode == 0, p.stderr
    answer = json.loads(p.stdout)
    assert answer["version"] == "2"
    assert sorted(answer["changed"]) == [
        "FEATURE_STREAMING",
        "LLM_TEMPERATURE",
        "LOG_LEVEL",
        "RATE_LIMIT_PER_MINUTE",
        "REQUEST_TIMEOUT",
        "SERVICE_NAME",
    ]
    expected = {
        "REQUEST_TIMEOUT": 45,
        "FEATURE_STREAMING": False,
        "LLM_TEMPERATURE": 1.25,
        "LOG_LEVEL": "DEBUG",
        "SERVICE_NAME": "omega-two",
        "RATE_LIMIT_PER_MINUTE": 120,
    }

    shown = json.loads(ctl("get", url=settingsd.base).stdout)
    assert shown["version"] == "2"
    snapshot, version = redis_snapshot(redis_server)
    assert version == 2
    for key, value in expected.items():
        assert shown["config"][key] == value and type(shown["config"][key]) is type(value), key
        assert snapshot[key] == value and type(snapshot[key]) is type(value), key
    env_text = settingsd.env_path.read_text()
    assert "REQUEST_TIMEOUT=45" in env_text and "FEATURE_STREAMING=false" in env_text

    # An unquoted word is a string; null unsets (back to the schema default).
    p = ctl("patch", "SERVICE_NAME=omega-three", "RATE_LIMIT_PER_MINUTE=null", token=ALICE, url=settingsd.base)
    assert p.returncode == 0, p.stderr
    snapshot, version = redis_snapshot(redis_server)
    assert version == 3
    assert snapshot["SERVICE_NAME"] == "omega-three"
    assert snapshot.get("RATE_LIMIT_PER_MINUTE") is None
    assert json.loads(ctl("get", url=settingsd.base).stdout)["config"]["RATE_LIMIT_PER_MINUTE"] is None


def test_patch_refused_by_validation_shows_the_daemons_error_and_changes_nothing(settingsd, redis_server):
    before = world(settingsd, redis_server)
    p = ctl("patch", "REQUEST_TIMEOUT=100000", token=ALICE, url=settingsd.base)
    assert p.returncode == 1
    assert p.stdout == ""
    err = error_of(p)
    assert err["error"] == "validation_failed"
    assert any(d.get("key") == "REQUEST_TIMEOUT" for d in err["details"])
    assert world(settingsd, redis_server) == before


def test_stale_expected_version_exits_non_zero_with_the_daemons_error_and_changes_nothing(settingsd, redis_server):
    first = ctl("patch", "REQUEST_TIMEOUT=45", "--expected-version", "1", token=ALICE, url=settingsd.base)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["version"] == "2"

    before = world(settingsd, redis_server)
    p = ctl("patch", "REQUEST_TIMEOUT=60", "--expected-version", "1", token=ALICE, url=settingsd.base)
    assert p.returncode == 1
    assert p.stdout == ""
    err = error_of(p)
    assert err["error"] == "version_conflict"
    assert "2" in err["message"]
    assert world(settingsd, redis_server) == before
    assert redis_snapshot(redis_server)[0]["REQUEST_TIMEOUT"] == 45


# ----------------------------------------------------------------------------- credentials


def test_missing_or_bad_token_exits_4_with_the_401_error(settingsd, redis_server):
    before = world(settingsd, redis_server)
    missing = ctl("patch", "LOG_LEVEL=DEBUG", url=settingsd.base)
    assert missing.returncode == 4
    assert missing.stdout == ""
    assert error_of(missing)["error"] == "unauthorized"

    bad = ctl("patch", "LOG_LEVEL=DEBUG", token=WRONG, url=settingsd.base)
    assert bad.returncode == 4
    assert bad.stdout == ""
    assert error_of(bad)["error"] == "unauthorized"

    for command in (["reload"], ["rollback", "1"]):
        p = ctl(*command, url=settingsd.base)
        assert p.returncode == 4 and error_of(p)["error"] == "unauthorized", command
    assert world(settingsd, redis_server) == before


def test_token_file_and_hmac_signing(settingsd, redis_server, tmp_path):
    bare = tmp_path / "bob.token"
    bare.write_text(BOB + "\n")
    p = ctl("patch", "REQUEST_TIMEOUT=41", "--token-file", str(bare), url=settingsd.base)
    assert p.returncode == 0, p.stderr

    # The token file wins over the environment.
    p = ctl("--token-file", str(bare), "patch", "REQUEST_TIMEOUT=42", token=WRONG, url=settingsd.base)
    assert p.returncode == 0, p.stderr

    # The daemon's own token file (name:token lines, comments) with an HMAC key name.
    p = ctl(
        "patch",
        "REQUEST_TIMEOUT=43",
        "--token-file",
        str(settingsd.token_path),
        "--hmac-key-name",
        "alice",
        url=settingsd.base,
    )
    assert p.returncode == 0, p.stderr
    # HMAC with the token from the environment, then from stdin.
    p = ctl("patch", "REQUEST_TIMEOUT=44", "--hmac-key-name", "alice", token=ALICE, url=settingsd.base)
    assert p.returncode == 0, p.stderr
    p = ctl(
        "patch",
        "REQUEST_TIMEOUT=46",
        "--hmac-key-name",
        "alice",
        "--token-file",
        "-",
        stdin=ALICE + "\n",
        url=settingsd.base,
    )
    assert p.returncode == 0, p.stderr
    snapshot, version = redis_snapshot(redis_server)
    assert version == 6 and snapshot["REQUEST_TIMEOUT"] == 46

    history = json.loads(ctl("history", "--limit", "5", url=settingsd.base).stdout)["versions"]
    assert [v["actor"] for v in history] == ["alice", "alice", "alice", "token-3", "token-3"]

    # A key name the daemon does not know, or the right name with the wrong key: 401.
    before = world(settingsd, redis_server)
    p = ctl("patch", "REQUEST_TIMEOUT=50", "--hmac-key-name", "mallory", token=ALICE, url=settingsd.base)
    assert p.returncode == 4 and error_of(p)["error"] == "unauthorized"
    p = ctl("patch", "REQUEST_TIMEOUT=50", "--hmac-key-name", "alice", token=WRONG, url=settingsd.base)
    assert p.returncode == 4 and error_of(p)["error"] == "unauthorized"
    assert world(settingsd, redis_server) == before


def test_the_token_is_never_taken_from_the_command_line_nor_printed(settingsd, tmp_path):
    # `--token` is no option (and no abbreviation of --token-file): usage error, not echoed.
    p = ctl("--token", ALICE, "patch", "LOG_LEVEL=DEBUG", url=settingsd.base)
    assert p.returncode == 2
    p = ctl("patch", "LOG_LEVEL=DEBUG", "--token", ALICE, url=settingsd.base)
    assert p.returncode == 2
    # A token pasted where the file name goes is not repeated in the error.
    p = ctl("--token-file", ALICE, "patch", "LOG_LEVEL=DEBUG", url=settingsd.base)
    assert p.returncode == 2
    assert error_of(p)["error"] == "bad_token_file"
    # A token with a newline inside (would split the header) is refused without echoing it.
    p = ctl("patch", "LOG_LEVEL=DEBUG", token=ALICE[:20] + "\n" + ALICE[20:], url=settingsd.base)
    assert p.returncode == 2 and error_of(p)["error"] == "bad_credential"
    # Successful calls, refusals, unreachable daemons: ctl() checks every output.
    assert ctl("get", token=ALICE, url=settingsd.base).returncode == 0
    assert ctl("patch", "LOG_LEVEL=DEBUG", token=ALICE, url=settingsd.base).returncode == 0
    assert ctl("patch", "LOG_LEVEL=nope", token=ALICE, url=settingsd.base).returncode == 1
    assert ctl("patch", "LOG_LEVEL=DEBUG", token=WRONG, url=settingsd.base).returncode == 4
    assert ctl("get", token=ALICE, url=f"http://127.0.0.1:{free_port()}").returncode == 3


def test_read_auth_admin_daemon_needs_the_credential_for_get(redis_server, tmp_path):
    d = example_daemon(tmp_path, redis_server, args=["--read-auth", "admin"]).start()
    try:
        p = ctl("get", url=d.base)
        assert p.returncode == 4 and error_of(p)["error"] == "unauthorized"
        p = ctl("get", token=ALICE, url=d.base)
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["version"] == "1"
        # Signed GET with a query string (the signature covers the path without it).
        p = ctl("history", "--limit", "1", "--hmac-key-name", "alice", token=ALICE, url=d.base)
        assert p.returncode == 0, p.stderr
        assert [v["version"] for v in json.loads(p.stdout)["versions"]] == ["1"]
        p = ctl("watch", "--since", "0", "--count", "1", "--hmac-key-name", "alice", token=ALICE, url=d.base)
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["version"] == "1"
    finally:
        d.stop()


# ----------------------------------------------------------------------------- connection, usage


def test_daemon_not_running_exits_3_with_a_clear_message():
    url = f"http://127.0.0.1:{free_port()}"
    for command in (["get"], ["patch", "LOG_LEVEL=DEBUG"], ["watch", "--count", "1"]):
        p = ctl(*command, token=ALICE, url=url)
        assert p.returncode == 3, (command, p.stderr)
        assert p.stdout == ""
        err = error_of(p)
        assert err["error"] == "connection_failed"
        assert "cannot connect" in err["message"] and url in err["message"]


def test_url_comes_from_the_flag_else_the_environment(settingsd):
    p = ctl("get", url=settingsd.base)  # OMEGA_SETTINGS_URL
    assert p.returncode == 0, p.stderr
    # --url wins over the environment.
    p = ctl("get", "--url", settingsd.base, url=f"http://127.0.0.1:{free_port()}")
    assert p.returncode == 0, p.stderr
    p = ctl("--url", "ftp://example.invalid", "get")
    assert p.returncode == 2 and error_of(p)["error"] == "bad_url"


def test_usage_errors_exit_2_and_do_not_echo_values(settingsd, redis_server):
    before = world(settingsd, redis_server)
    assert ctl(url=settingsd.base).returncode == 2
    assert ctl("frobnicate", url=settingsd.base).returncode == 2
    assert ctl("patch", token=ALICE, url=settingsd.base).returncode == 2
    assert ctl("rollback", "abc", token=ALICE, url=settingsd.base).returncode == 2
    assert ctl("watch", "--count", "0", url=settingsd.base).returncode == 2
    p = ctl("patch", "=top-secret-value", token=ALICE, url=settingsd.base)
    assert p.returncode == 2 and "top-secret-value" not in p.stderr
    p = ctl("patch", "NOEQUALSIGNsecret", token=ALICE, url=settingsd.base)
    assert p.returncode == 2 and "NOEQUALSIGNsecret" not in p.stderr
    p = ctl("patch", "LOG_LEVEL=DEBUG", "log_level=INFO", token=ALICE, url=settingsd.base)
    assert p.returncode == 2 and "twice" in p.stderr
    assert world(settingsd, redis_server) == before
    p = ctl("--help")
    assert p.returncode == 0 and "rollback" in p.stdout and "OMEGA_ADMIN_TOKEN" in p.stdout


# ----------------------------------------------------------------------------- reload, history, rollback


def test_history_and_rollback(settingsd, redis_server):
    for timeout in (45, 60):
        assert ctl("patch", f"REQUEST_TIMEOUT={timeout}", token=ALICE, url=settingsd.base).returncode == 0

    p = ctl("history", url=settingsd.base)
    assert p.returncode == 0, p.stderr
    versions = json.loads(p.stdout)["versions"]
    assert [v["version"] for v in versions] == ["3", "2", "1"]
    assert [v["config"]["REQUEST_TIMEOUT"] for v in versions] == [60, 45, 30]
    assert versions[0]["actor"] == "alice" and versions[0]["changed"] == ["REQUEST_TIMEOUT"]
    assert all(v["config"]["SECRET_KEY"] == "**********" for v in versions)
    limited = json.loads(ctl("history", "--limit", "1", url=settingsd.base).stdout)["versions"]
    assert [v["version"] for v in limited] == ["3"]

    p = ctl("rollback", "1", token=ALICE, url=settingsd.base)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["version"] == "4"  # a new version with version 1's content
    snapshot, version = redis_snapshot(redis_server)
    assert version == 4 and snapshot["REQUEST_TIMEOUT"] == 30
    shown = json.loads(ctl("get", url=settingsd.base).stdout)
    assert shown["version"] == "4" and shown["config"]["REQUEST_TIMEOUT"] == 30
    newest = json.loads(ctl("history", "--limit", "1", url=settingsd.base).stdout)["versions"][0]
    assert newest["version"] == "4" and newest["event"] == "rollback"

    before = world(settingsd, redis_server)
    p = ctl("rollback", "99", token=ALICE, url=settingsd.base)
    assert p.returncode == 1 and p.stdout == ""
    assert error_of(p)["error"] == "version_not_found"
    p = ctl("rollback", "2", "--expected-version", "3", token=ALICE, url=settingsd.base)
    assert p.returncode == 1 and error_of(p)["error"] == "precondition_failed"
    assert world(settingsd, redis_server) == before


def test_reload_republishes_the_same_version(settingsd, redis_server):
    spy = Spy(redis_server)
    try:
        p = ctl("reload", token=ALICE, url=settingsd.base)
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["version"] == "1"
        messages = [json.loads(m) for m in spy.drain()]
        assert any(m["event"] == "reload" and m["version"] == "1" for m in messages), messages
    finally:
        spy.close()
    assert redis_snapshot(redis_server)[1] == 1


# ----------------------------------------------------------------------------- the installed script


def test_the_installed_omegactl_script_runs(settingsd):
    venv = os.environ.get("OMEGA_EXPECT_INSTALLED_IN")
    if venv is None:
        pytest.skip("a developer run against a build tree; scripts/test-python.sh sets it")
    script = pathlib.Path(venv) / "bin" / "omegactl"
    assert script.is_file() and os.access(script, os.X_OK)
    p = ctl("get", url=settingsd.base, command=[str(script)])
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["version"] == "1"
    p = ctl("patch", "LOG_LEVEL=WARNING", token=ALICE, url=settingsd.base, command=[str(script)])
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"version": "2", "changed": ["LOG_LEVEL"], "subscribers": 0}


def test_credentials_in_the_url_are_refused_and_never_printed():
    secret = "hunter2-url-password"
    port = free_port()
    for url in (
        f"http://admin:{secret}@127.0.0.1:{port}",
        f"https://{secret}@127.0.0.1:{port}/x",
        f"ftp://u:{secret}@127.0.0.1:{port}",
        f"http://u:{secret}@127.0.0.1:notaport",
    ):
        for p in (ctl("--url", url, "get", token=ALICE), ctl("get", token=ALICE, url=url)):
            assert p.returncode == 2, (url, p.stderr)
            assert p.stdout == ""
            assert secret not in p.stderr, "a password from the URL was printed"
            err = error_of(p)
            assert err["error"] == "bad_url"
            assert "127.0.0.1" in err["message"]


def test_messages_name_the_url_with_its_netloc_redacted():
    from omega_config import ctl as ctl_module

    assert ctl_module.redact_url("http://u:pw@host:1/p") == "http://***@host:1/p"
    assert ctl_module.redact_url("http://host:1/p") == "http://host:1/p"
    assert "pw" not in ctl_module.redact_url("u:pw@host")
