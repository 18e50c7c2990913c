"""--validate-with: the team's own validator has the last word where JSON Schema cannot say it
(an HttpUrl accepts only http and https; its schema only says "format": "uri").

The model validator is omega_config/validate.py run as a file with this suite's Python (the
package itself is not installed in this venv; tests/python runs it as `python -m`). Every other
validator is a small shell script, one per way a validator can fail; each failure is proven to
change nothing: the .env byte-identical, Redis unchanged, no message, no audit record.
"""

import json
import os
import shlex
import subprocess
import sys

import pytest
from helpers import SECRET_VALUES, World, published

from tests.support.daemon import DATA, daemon_binary
from tests.support.paths import REPO
from tests.support.waiting import wait_until

VALIDATE_PY = REPO / "bindings" / "python" / "omega_config" / "validate.py"
MODEL_VALIDATOR = f"{shlex.quote(sys.executable)} {shlex.quote(str(VALIDATE_PY))} examples.omega_settings:OMEGASettings"
PY_ENV = {"PYTHONPATH": str(REPO)}  # so that `examples.omega_settings` imports
# The model validator starts a Python process that imports pydantic: seconds on a loaded CI
# machine. These tests are not about the deadline (the hang tests are), so give it room.
MODEL_TIMEOUT = ["--validate-timeout-ms", "60000"]
JAVASCRIPT = "javascript:alert(1)"


def with_validator(make_daemon, command, *extra, env=None, **kw):
    d = make_daemon(args=["--validate-with", command, *extra], start=False, **kw)
    d.start(extra_env=env or {})
    return d


def script(tmp_path, name, body):
    """An executable /bin/sh script; its path is the validator command."""
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return shlex.quote(str(path))


def start_fails(daemon, env=None):
    e = {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")}
    e.update(env or {})
    return subprocess.run(daemon.command(), capture_output=True, text=True, timeout=30, env=e)


def test_validate_with_has_the_last_word(make_daemon, redis_server, spy):
    # Without a validator the schema is all there is, and "javascript:..." is a URI.
    d = make_daemon()
    assert d.patch({"ALERT_WEBHOOK_URL": JAVASCRIPT}).status == 200
    d.stop()

    # With the model as validator, that .env does not even start, and the reason is named.
    d.args += ["--validate-with", MODEL_VALIDATOR, *MODEL_TIMEOUT]
    p = start_fails(d, PY_ENV)
    assert p.returncode == 1, p.stderr
    assert "refusing to start" in p.stderr
    assert "ALERT_WEBHOOK_URL: URL scheme should be 'http' or 'https'" in p.stderr
    for secret in SECRET_VALUES:
        assert secret not in p.stderr

    # Back to a good .env: the daemon starts, and the model refuses what the schema allowed.
    d.env_path.write_bytes((DATA / "test.env").read_bytes())
    d.start(extra_env=PY_ENV)
    world = World(d, redis_server, spy)
    before = world.capture()
    r = d.patch({"ALERT_WEBHOOK_URL": JAVASCRIPT})
    assert r.status == 422, r.body
    assert r.json["error"] == "validation_failed"
    assert r.json["details"] == [
        {
            "key": "ALERT_WEBHOOK_URL",
            "message": "URL scheme should be 'http' or 'https'",
            "type": "url_scheme",
            "loc": ["ALERT_WEBHOOK_URL"],
        }
    ]
    assert "javascript" not in r.body
    world.assert_unchanged(before)
    assert 'omega_settingsd_patches_total{outcome="invalid"} 1' in d.request("GET", "/metrics", token=None).body

    # What the model accepts goes through, validator and all.
    r = d.patch({"ALERT_WEBHOOK_URL": "https://hooks.example.com/omega", "LOG_LEVEL": "debug"})
    assert r.status == 200, r.body
    assert published(redis_server)[0]["ALERT_WEBHOOK_URL"] == "https://hooks.example.com/omega"


def test_the_validator_gets_the_exact_candidate_snapshot(make_daemon, redis_server, tmp_path):
    seen = tmp_path / "seen.json"
    d = with_validator(make_daemon, script(tmp_path, "copy.sh", f"cat > {shlex.quote(str(seen))}\n"))
    r = d.patch({"LOG_LEVEL": "ERROR", "REQUEST_TIMEOUT": 45})
    assert r.status == 200, r.body
    snapshot, _, _ = published(redis_server)
    assert seen.read_bytes() == redis_server.client().get("omega:config")  # the same bytes, secrets too
    assert snapshot["LOG_LEVEL"] == "ERROR"


def test_the_validator_sees_no_daemon_descriptor_or_option(make_daemon, tmp_path):
    # Exit 0 only with nothing but 0, 1 and 2 open, and none of the daemon's OMEGA_* options.
    check = tmp_path / "check.py"
    ran = tmp_path / "ran"
    check.write_text(
        "import json, os, sys\n"
        "sys.stdin.read()\n"
        "leaked = [fd for fd in range(3, 4096) if os.path.exists(f'/proc/self/fd/{fd}')]\n"
        "opts = sorted(k for k in os.environ if k.startswith('OMEGA_'))\n"
        "if leaked or opts:\n"
        "    json.dump([{'type': 'leak', 'loc': [], 'msg': f'fds {leaked} env {opts}'}], sys.stdout)\n"
        "    sys.exit(1)\n"
        f"open({str(ran)!r}, 'a').write('ran\\n')\n"
    )
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(check))}"
    d = make_daemon(start=False)
    # The options through the environment (flags win, but the variables are there to leak), and
    # an inherited descriptor that is not close-on-exec (as a service manager may hand over).
    inherited_r, inherited_w = os.pipe()
    try:
        d.start(
            extra_env={
                "OMEGA_VALIDATE_WITH": command,
                "OMEGA_REDIS_URL": d.redis.url,
                "OMEGA_ADMIN_TOKEN_FILE": str(d.token_path),
            },
            pass_fds=(inherited_w,),
        )
    finally:
        os.close(inherited_r)
        os.close(inherited_w)
    r = d.patch({"LOG_LEVEL": "DEBUG"})
    assert r.status == 200, r.body
    assert ran.read_text() == "ran\nran\n"  # at start, and for the patch


# A validator that gives no verdict: (script body, status, error code, extra daemon flags).
BROKEN = {
    "crashes": ("cat >/dev/null\nkill -9 $$\n", 503, "validator_unavailable", []),
    "hangs": ("sleep 30\n", 503, "validator_unavailable", ["--validate-timeout-ms", "300"]),
    "prints_garbage": ("echo 'Traceback: nope'\nexit 1\n", 422, "validation_failed", []),
    "prints_an_empty_list": ("echo '[]'\nexit 3\n", 422, "validation_failed", []),
    "is_not_executable": (None, 503, "validator_unavailable", []),
    "does_not_exist": (None, 503, "validator_unavailable", []),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_broken_validator_changes_nothing(make_daemon, redis_server, spy, tmp_path, kind):
    body, status, code, flags = BROKEN[kind]
    ok = tmp_path / "ok"  # boot passes; then every candidate goes to the broken validator
    command = script(tmp_path, "v.sh", f"if [ ! -e {shlex.quote(str(ok))} ]; then exit 0; fi\n" + (body or ""))
    if kind == "is_not_executable":
        (tmp_path / "plain.sh").write_text("#!/bin/sh\nexit 0\n")
        command = script(tmp_path, "v.sh", f"[ -e {shlex.quote(str(ok))} ] || exit 0\nexec {tmp_path / 'plain.sh'}\n")
    if kind == "does_not_exist":
        command = script(tmp_path, "v.sh", f"[ -e {shlex.quote(str(ok))} ] || exit 0\nexec {tmp_path / 'missing'}\n")
    d = with_validator(make_daemon, command, *flags)
    ok.write_text("")
    world = World(d, redis_server, spy)
    before = world.capture()
    r = d.patch({"LOG_LEVEL": "DEBUG", "SECRET_KEY": "new-secret-value-0123456789-abcdefgh"})
    assert r.status == status, r.body
    assert r.json["error"] == code
    assert "new-secret-value" not in r.body and "Traceback" not in r.body
    if status == 422:
        assert r.json["details"] == [{"key": "", "message": r.json["details"][0]["message"]}]
        assert "without a JSON list of errors" in r.json["details"][0]["message"]
    world.assert_unchanged(before)
    # And the daemon is fine: reads still work, and a readable validator decides again.
    ok.unlink()
    assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 200


def test_a_hung_validator_is_killed_with_everything_it_started(make_daemon, tmp_path):
    pids = tmp_path / "pids"
    ok = tmp_path / "ok"
    body = f"[ -e {shlex.quote(str(ok))} ] || exit 0\necho $$ > {pids}\nsleep 60 &\necho $! >> {pids}\nwait\n"
    d = with_validator(make_daemon, script(tmp_path, "hang.sh", body), "--validate-timeout-ms", "300")
    ok.write_text("")
    r = d.patch({"LOG_LEVEL": "DEBUG"})
    assert r.status == 503 and "did not finish within 300 ms" in r.json["message"], r.body

    def gone(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        with open(f"/proc/{pid}/stat") as f:  # a zombie waiting for init is gone too
            return f.read().split(") ")[1][0] == "Z"

    for pid in map(int, pids.read_text().split()):
        wait_until(lambda pid=pid: gone(pid), timeout=5, what=f"validator process {pid} to be killed")


def test_details_never_carry_inputs_or_secret_values(make_daemon, tmp_path):
    secret = SECRET_VALUES[0]
    errors = [
        {"type": "value_error", "loc": ["SECRET_KEY"], "msg": f"Value error, {secret} is weak", "input": secret},
        {"type": "value_error", "loc": ["mongo_uri", "nested", 2], "msg": "bad", "ctx": {"error": secret}},
        {"type": "model", "loc": [], "msg": "the model says no"},
    ]
    ok = tmp_path / "ok"
    body = f"[ -e {shlex.quote(str(ok))} ] || exit 0\ncat <<'EOF'\n{json.dumps(errors)}\nEOF\nexit 1\n"
    d = with_validator(make_daemon, script(tmp_path, "v.sh", body))
    ok.write_text("")
    r = d.patch({"LOG_LEVEL": "DEBUG"})
    assert r.status == 422, r.body
    assert secret not in r.body and "input" not in r.body and "ctx" not in r.body
    assert r.json["details"] == [
        {
            "key": "SECRET_KEY",
            "message": "Value error, ********** is weak",
            "type": "value_error",
            "loc": ["SECRET_KEY"],
        },
        {"key": "MONGO_URI", "message": '["nested"][2]: bad', "type": "value_error", "loc": ["MONGO_URI", "nested", 2]},
        {"key": "", "message": "the model says no", "type": "model", "loc": []},
    ]
    d.stop()
    assert secret not in d.log()


def test_reload_and_rollback_are_validated_too(make_daemon, redis_server, spy, tmp_path):
    refuse = tmp_path / "refuse"
    body = (
        f"if [ -e {shlex.quote(str(refuse))} ]; then\n"
        '  echo \'[{"type":"no","loc":["LOG_LEVEL"],"msg":"not today"}]\'; exit 1\n'
        "fi\n"
    )
    d = with_validator(make_daemon, script(tmp_path, "v.sh", body))
    assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    assert d.patch({"LOG_LEVEL": "ERROR"}).status == 200
    refuse.write_text("")
    world = World(d, redis_server, spy)
    before = world.capture()
    rollback = d.request("POST", "/config/rollback", {"version": 2})
    assert rollback.status == 422 and rollback.json["details"][0]["message"] == "not today", rollback.body
    world.assert_unchanged(before)

    # A hand edit the validator refuses is not republished by a reload.
    d.env_path.write_text(d.env_path.read_text().replace("LOG_LEVEL=ERROR", "LOG_LEVEL=WARNING"))
    before = world.capture()
    reload = d.request("POST", "/config/reload")
    assert reload.status == 422 and reload.json["error"] == "validation_failed", reload.body
    world.assert_unchanged(before)
    refuse.unlink()
    assert d.request("POST", "/config/reload").status == 200
    assert published(redis_server)[0]["LOG_LEVEL"] == "WARNING"


def test_a_dry_run_asks_the_validator(make_daemon, redis_server, spy, tmp_path):
    # "Would apply" must mean the real patch would: the dry run hears the validator's refusal.
    d = with_validator(make_daemon, MODEL_VALIDATOR, *MODEL_TIMEOUT, env=PY_ENV)
    world = World(d, redis_server, spy)
    before = world.capture()
    r = d.patch({"ALERT_WEBHOOK_URL": JAVASCRIPT}, dry_run=True)
    assert r.status == 422 and r.json["details"][0]["key"] == "ALERT_WEBHOOK_URL", r.body
    ok = d.patch({"ALERT_WEBHOOK_URL": "https://hooks.example.com/omega"}, dry_run=True)
    assert ok.status == 200 and ok.json["dry_run"] is True, ok.body
    world.assert_unchanged(before)


def test_check_mode_asks_the_validator(make_daemon):
    d = make_daemon(start=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")}
    env.update(PY_ENV)
    base = [daemon_binary(), "--check", "--env", str(d.env_path), "--schema", str(d.schema_path)]
    good = subprocess.run(
        [*base, "--validate-with", MODEL_VALIDATOR, *MODEL_TIMEOUT], capture_output=True, text=True, env=env
    )
    assert good.returncode == 0, good.stderr
    d.env_path.write_text(d.env_path.read_text() + f"ALERT_WEBHOOK_URL={JAVASCRIPT}\n")
    plain = subprocess.run(base, capture_output=True, text=True, env=env)
    assert plain.returncode == 0, plain.stderr  # the schema alone cannot tell
    bad = subprocess.run(
        [*base, "--validate-with", MODEL_VALIDATOR, *MODEL_TIMEOUT], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 1
    assert "ALERT_WEBHOOK_URL: URL scheme should be 'http' or 'https'" in bad.stderr, bad.stderr
    crash = subprocess.run([*base, "--validate-with", "kill -9 $$"], capture_output=True, text=True, env=env)
    assert crash.returncode == 1 and "killed by SIGKILL" in crash.stderr, crash.stderr
    missing = subprocess.run([*base, "--validate-with", "/nonexistent/validator"], capture_output=True, text=True)
    assert missing.returncode == 1 and "command not found" in missing.stderr, missing.stderr


def test_a_validator_that_cannot_run_stops_the_start(make_daemon, tmp_path):
    (tmp_path / "plain.sh").write_text("#!/bin/sh\nexit 0\n")  # not executable
    d = make_daemon(args=["--validate-with", str(tmp_path / "plain.sh")], start=False)
    p = start_fails(d)
    assert p.returncode == 1
    assert "refusing to start" in p.stderr and "not executable" in p.stderr, p.stderr
