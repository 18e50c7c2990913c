"""Startup checks and the command line: no default credentials, short keys refused, an
invalid .env refused naming every bad key, --check for CI, OMEGA_* environment variables,
stale temp files removed."""

import json
import os
import subprocess

from helpers import hmac_header

from tests.support.daemon import ALICE, BOB, DATA, daemon_binary
from tests.support.paths import EXAMPLES


def run(args, env=None, timeout=20):
    e = {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")}
    e.update(env or {})
    return subprocess.run([daemon_binary(), *args], capture_output=True, text=True, timeout=timeout, env=e)


def test_refuses_to_start_without_a_credential(make_daemon):
    d = make_daemon(start=False)
    cmd = d.command()
    i = cmd.index("--admin-token-file")
    del cmd[i : i + 2]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    assert p.returncode != 0
    assert "without an admin credential" in p.stderr and "no default credentials" in p.stderr


def test_refuses_a_short_or_empty_credential_file(make_daemon):
    for tokens, expect in [
        ("alice:short-token-xyz\n", "shorter than 32 bytes"),
        ("# nothing\n\n", "holds no credential"),
    ]:
        d = make_daemon(start=False, tokens=tokens)
        p = subprocess.run(d.command(), capture_output=True, text=True, timeout=20)
        assert p.returncode != 0 and expect in p.stderr
        assert "short-token-xyz" not in p.stderr, "the token itself is never printed"


def test_invalid_env_is_refused_naming_every_bad_key(make_daemon):
    text = (DATA / "test.env").read_text()
    text = text.replace("REQUEST_TIMEOUT=30", "REQUEST_TIMEOUT=soon").replace("LOG_LEVEL=INFO", "LOG_LEVEL=LOUD")
    text = "\n".join(x for x in text.splitlines() if not x.startswith("SECRET_KEY")) + "\nUNKNOWN_THING=1\n"
    d = make_daemon(start=False, env_text=text)
    p = subprocess.run(d.command(), capture_output=True, text=True, timeout=20)
    assert p.returncode != 0
    for key in ("REQUEST_TIMEOUT", "LOG_LEVEL", "SECRET_KEY", "UNKNOWN_THING"):
        assert key in p.stderr, key
    assert "Mongo-PASS" not in p.stderr


def test_env_syntax_error_names_the_line(make_daemon):
    d = make_daemon(start=False, env_text=(DATA / "test.env").read_text() + "BROKEN='unterminated\n")
    p = subprocess.run(d.command(), capture_output=True, text=True, timeout=20)
    lines = (DATA / "test.env").read_text().count("\n") + 1
    assert p.returncode != 0 and f"omega.env:{lines}" in p.stderr


def test_check_mode_for_ci(tmp_path):
    ok = run(["--check", "--env", str(DATA / "test.env"), "--schema", str(EXAMPLES / "omega.schema.json")])
    assert ok.returncode == 0 and "valid" in ok.stdout
    bad = tmp_path / "bad.env"
    bad.write_text(
        (DATA / "test.env")
        .read_text()
        .replace("REQUEST_TIMEOUT=30", "REQUEST_TIMEOUT=0")
        .replace("SERVICE_NAME=omega", "SERVICE_NAME=Not Valid")
    )
    p = run(["--check", "--env", str(bad), "--schema", str(EXAMPLES / "omega.schema.json")])
    assert p.returncode == 1 and "REQUEST_TIMEOUT" in p.stderr and "SERVICE_NAME" in p.stderr


def test_flags_come_from_omega_environment_variables(tmp_path):
    p = run(["--check"], env={"OMEGA_ENV": str(DATA / "test.env"), "OMEGA_SCHEMA": str(EXAMPLES / "omega.schema.json")})
    assert p.returncode == 0, p.stderr
    p = run(
        ["--check"],
        env={
            "OMEGA_ENV": str(DATA / "test.env"),
            "OMEGA_SCHEMA": str(EXAMPLES / "omega.schema.json"),
            "OMEGA_BODY_LIMIT": "lots",
        },
    )
    assert p.returncode == 2 and "OMEGA_BODY_LIMIT" in p.stderr


def test_unknown_flag_and_help():
    p = run(["--frobnicate"])
    assert p.returncode == 2 and "--frobnicate" in p.stderr
    h = run(["--help"])
    assert h.returncode == 0 and "--admin-token-file" in h.stdout and "OMEGA_REDIS_URL" in h.stdout


def test_schema_may_not_hold_an_admin_credential(make_daemon):
    schema = json.loads((EXAMPLES / "omega.schema.json").read_text())
    schema["properties"]["ADMIN_TOKEN"] = {"type": "string", "default": "x"}
    d = make_daemon(start=False, schema_text=json.dumps(schema))
    p = subprocess.run(d.command(), capture_output=True, text=True, timeout=20)
    assert p.returncode != 0 and "ADMIN_TOKEN" in p.stderr


def test_stale_temp_files_are_removed_at_start(make_daemon):
    d = make_daemon(start=False)
    stale = d.dir / "omega.env.tmp-999-0"
    stale.write_text("half a file")
    d.start()
    assert not stale.exists()


def test_actor_comes_from_the_credential(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}, token=BOB).status == 200
    body = b'{"updates":{"LOG_LEVEL":"ERROR"}}'
    r = daemon.request(
        "POST",
        "/config/patch",
        body,
        headers={"Authorization": hmac_header(ALICE, "alice", "POST", "/config/patch", body)},
    )
    assert r.status == 200, r
    actors = [json.loads(x)["actor"] for x in daemon.audit_path.read_text().splitlines()]
    assert actors == ["token-3", "alice"]  # BOB is the unnamed token on line 3


def test_one_run_names_settings_and_credential_problems_together(make_daemon):
    text = (DATA / "test.env").read_text().replace("REQUEST_TIMEOUT=30", "REQUEST_TIMEOUT=soon")
    d = make_daemon(start=False, env_text=text, tokens="alice:too-short\n")
    p = subprocess.run(d.command(), capture_output=True, text=True, timeout=20)
    assert p.returncode != 0
    assert "REQUEST_TIMEOUT" in p.stderr and "shorter than 32 bytes" in p.stderr
