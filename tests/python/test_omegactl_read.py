"""omegactl's reading subcommands against the real daemon: `get KEY` (the bare value, for
shell scripts), `diff N [M]` and `blame [KEY]`, in both output formats."""

import json
import subprocess

from tests.support.daemon import ALICE, Daemon, example_daemon
from tests.support.omegactl import base_env, ctl, ctl_on_a_terminal, error_of, omegactl_command
from tests.support.paths import EXAMPLES

SECRET = "dev-only-secret-key-change-me-0123456789"  # the example .env's SECRET_KEY


def test_get_key_prints_the_bare_value(settingsd):
    for key, shown in (
        ("LOG_LEVEL", "INFO"),
        ("log_level", "INFO"),  # matched without regard to case, like the daemon
        ("REQUEST_TIMEOUT", "30"),
        ("LLM_TEMPERATURE", "0.7"),
        ("FEATURE_STREAMING", "true"),
        ("ALERT_WEBHOOK_URL", "null"),
        ("SECRET_KEY", "**********"),  # masked by the API
    ):
        p = ctl("get", key, url=settingsd.base)
        assert p.returncode == 0 and p.stderr == "", (key, p.stderr)
        assert p.stdout == shown + "\n", key
    # The same in -o table and on a terminal; -o json asks for the value as JSON.
    assert ctl("-o", "table", "get", "LOG_LEVEL", url=settingsd.base).stdout == "INFO\n"
    code, text, _ = ctl_on_a_terminal("get", "LOG_LEVEL", url=settingsd.base)
    assert code == 0 and text == "INFO\n"
    assert ctl("get", "LOG_LEVEL", "-o", "json", url=settingsd.base).stdout == '"INFO"\n'
    assert ctl("get", "REQUEST_TIMEOUT", "-o", "json", url=settingsd.base).stdout == "30\n"


def test_get_key_in_a_shell_script(settingsd):
    script = f'level=$({" ".join(omegactl_command())} get LOG_LEVEL) && [ "$level" = INFO ] && echo "ok $level"'
    p = subprocess.run(
        ["sh", "-c", script], env=base_env(url=settingsd.base), capture_output=True, text=True, timeout=60
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout == "ok INFO\n"


def test_get_unknown_key_exits_1_and_suggests(settingsd):
    for fmt in ("json", "table"):
        p = ctl("-o", fmt, "get", "LOG_LEVL", url=settingsd.base)
        assert p.returncode == 1 and p.stdout == "", p.stderr
        assert "no setting is named LOG_LEVL" in p.stderr and "did you mean LOG_LEVEL?" in p.stderr
    assert error_of(ctl("get", "NOPE", url=settingsd.base))["error"] == "not_found"


def test_get_lists_and_maps_as_compact_json(redis_server, tmp_path):
    schema = json.loads((EXAMPLES / "omega.schema.json").read_text())
    schema["properties"]["TAGS"] = {"type": "array", "items": {"type": "string"}, "default": []}
    schema["properties"]["WEIGHTS"] = {"type": "object", "additionalProperties": {"type": "number"}, "default": {}}
    env = (EXAMPLES / "omega.env").read_text() + 'TAGS=\'["blue", "green"]\'\nWEIGHTS=\'{"cpu": 0.5}\'\n'
    d = Daemon(tmp_path, redis_server, env_text=env, schema_text=json.dumps(schema)).start()
    try:
        assert ctl("get", "TAGS", url=d.base).stdout == '["blue","green"]\n'
        assert ctl("get", "weights", url=d.base).stdout == '{"cpu":0.5}\n'
        p = ctl("patch", 'TAGS=["a b","c"]', token=ALICE, url=d.base)
        assert p.returncode == 0, p.stderr
        assert ctl("get", "TAGS", url=d.base).stdout == '["a b","c"]\n'
    finally:
        d.stop()


def _diff_api(daemon, query):
    return daemon.request("GET", "/config/diff?" + query, token=None).json


def test_diff_between_versions_both_formats(settingsd):
    settingsd.patch({"LOG_LEVEL": "DEBUG", "SECRET_KEY": "another-secret-value-0123456789abcdef"})
    settingsd.patch({"REQUEST_TIMEOUT": 45, "RATE_LIMIT_PER_MINUTE": 100})

    p = ctl("diff", "1", url=settingsd.base)  # to the current version (3)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == _diff_api(settingsd, "from=1") and json.loads(p.stdout)["to"] == "3"
    assert json.loads(ctl("diff", "3", "1", url=settingsd.base).stdout) == _diff_api(settingsd, "from=3&to=1")

    t = ctl("-o", "table", "diff", "1", "3", url=settingsd.base)
    assert t.returncode == 0, t.stderr
    assert [line.split() for line in t.stdout.splitlines()] == [
        ["v1", "→", "v3:", "4", "changes"],
        ["LOG_LEVEL", "INFO", "→", "DEBUG"],
        ["RATE_LIMIT_PER_MINUTE", "null", "→", "100"],
        ["REQUEST_TIMEOUT", "30", "→", "45"],
        ["SECRET_KEY", "changed", "(secret)"],
    ]
    for out in (p.stdout, t.stdout):
        assert SECRET not in out and "another-secret-value" not in out

    same = ctl("-o", "table", "diff", "2", "2", url=settingsd.base)
    assert same.returncode == 0 and same.stdout == "v2 → v2: no changes\n"


def test_blame_all_keys_and_one(settingsd):
    settingsd.patch({"LOG_LEVEL": "DEBUG"}, comment="chasing a bug")
    p = ctl("blame", url=settingsd.base)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc == settingsd.request("GET", "/config/blame", token=None).json
    assert doc["keys"]["LOG_LEVEL"]["version"] == "2" and doc["keys"]["SERVICE_NAME"]["event"] == "boot"

    t = ctl("-o", "table", "blame", "log_level", url=settingsd.base)
    assert t.returncode == 0, t.stderr
    header, row = t.stdout.splitlines()
    assert header.split() == ["KEY", "VERSION", "EVENT", "ACTOR", "WRITTEN_AT", "COMMENT"]
    assert row.split()[:4] == ["LOG_LEVEL", "2", "updated", "alice"] and row.endswith("chasing a bug")

    p = ctl("blame", "NOPE", url=settingsd.base)
    assert p.returncode == 1 and error_of(p)["error"] == "not_found"


def test_reads_need_the_credential_on_a_read_auth_admin_daemon(redis_server, tmp_path):
    d = example_daemon(tmp_path, redis_server, args=["--read-auth", "admin"]).start()
    try:
        for args in (["get", "LOG_LEVEL"], ["diff", "1"], ["blame"], ["history"]):
            p = ctl(*args, url=d.base)
            assert p.returncode == 4 and error_of(p)["error"] == "unauthorized", args
            p = ctl(*args, token=ALICE, url=d.base)
            assert p.returncode == 0, (args, p.stderr)
        assert ctl("get", "LOG_LEVEL", token=ALICE, url=d.base).stdout == "INFO\n"
    finally:
        d.stop()
