"""python -m omega_config.validate, as installed: the --validate-with command that validates a
snapshot with a team's pydantic model, and the real writer using it."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.support.daemon import example_daemon
from tests.support.paths import EXAMPLES, REPO

EXAMPLE_MODEL = "examples.omega_settings:OMEGASettings"
SNAPSHOT = {
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": "dev-only-secret-key-change-me-0123456789",
    "MONGO_URI": "mongodb://mongo:27017/omega",
    "LOG_LEVEL": "INFO",
    "ALERT_WEBHOOK_URL": None,
}


def validate(spec, stdin, pythonpath=(), env=None):
    e = {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")}
    e["PYTHONPATH"] = os.pathsep.join([str(REPO), *map(str, pythonpath)])
    e.update(env or {})
    data = stdin if isinstance(stdin, (str, bytes)) else json.dumps(stdin)
    return subprocess.run(
        [sys.executable, "-m", "omega_config.validate", *([spec] if spec else [])],
        input=data if isinstance(data, bytes) else data.encode(),
        capture_output=True,
        env=e,
        timeout=60,
    )


def test_a_valid_snapshot_exits_0():
    r = validate(EXAMPLE_MODEL, SNAPSHOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b""


def test_errors_come_in_pydantic_shape_without_inputs():
    bad = {**SNAPSHOT, "ALERT_WEBHOOK_URL": "javascript:alert(1)", "SECRET_KEY": "short-secret", "EXTRA": 1}
    r = validate(EXAMPLE_MODEL, bad)
    assert r.returncode == 1, r.stderr
    errors = json.loads(r.stdout)
    assert [(e["loc"], e["type"]) for e in errors] == [
        (["SECRET_KEY"], "too_short"),
        (["ALERT_WEBHOOK_URL"], "url_scheme"),
        (["EXTRA"], "extra_forbidden"),
    ]
    assert all(set(e) == {"type", "loc", "msg"} for e in errors)
    assert b"short-secret" not in r.stdout + r.stderr
    assert b"javascript" not in r.stdout + r.stderr


@pytest.mark.parametrize(
    "spec,stdin,message",
    [
        (None, "{}", b"usage"),
        ("examples.omega_settings", "{}", b"not package.module:ClassName"),
        ("examples.no_such_module:Model", "{}", b"cannot import examples.no_such_module"),
        ("examples.omega_settings:NoSuchClass", "{}", b"has no NoSuchClass"),
        ("json:JSONDecoder", "{}", b"not a pydantic model"),
        (EXAMPLE_MODEL, "not json", b"stdin is not JSON"),
        (EXAMPLE_MODEL, "[1, 2]", b"must be a JSON object"),
    ],
)
def test_usage_errors_exit_2(spec, stdin, message):
    r = validate(spec, stdin)
    assert r.returncode == 2
    assert message in r.stderr, r.stderr
    assert r.stdout == b""


def test_a_missing_pydantic_is_named():
    code = (
        "import sys, runpy; sys.modules['pydantic'] = None; sys.argv = ['validate', 'json:JSONDecoder']; "
        "runpy.run_module('omega_config.validate', run_name='__main__')"
    )
    r = subprocess.run([sys.executable, "-c", code], input=b"{}", capture_output=True, timeout=60)
    assert r.returncode == 2
    assert b"pip install 'omega-config[pydantic]'" in r.stderr


LOWER_CASE_MODEL = """
    from typing import Optional
    from pydantic import AliasChoices, Field, HttpUrl, SecretStr
    from pydantic_settings import BaseSettings, SettingsConfigDict

    class Settings(BaseSettings):
        # The usual pydantic-settings shape: lower-case fields, case-insensitive environment
        # names, a prefix, an alias; and an env_file that must not be read.
        model_config = SettingsConfigDict(env_prefix="svc_", env_file="{env_file}", extra="forbid")

        redis_url: str
        api_key: SecretStr = Field(min_length=8)
        webhook: Optional[HttpUrl] = Field(default=None, validation_alias=AliasChoices("HOOK_URL", "hook"))
        timeout: int = 30
"""


@pytest.fixture
def lower_case_model(tmp_path):
    env_file = tmp_path / "model.env"
    env_file.write_text("SVC_TIMEOUT=not-a-number\nSVC_API_KEY=from-the-env-file\n")
    (tmp_path / "team_settings.py").write_text(textwrap.dedent(LOWER_CASE_MODEL.format(env_file=env_file)))
    return tmp_path


def test_keys_match_fields_as_pydantic_settings_matches_the_environment(lower_case_model):
    good = {"SVC_REDIS_URL": "redis://r", "SVC_API_KEY": "0123456789", "HOOK_URL": "https://h.example.com"}
    r = validate("team_settings:Settings", good, pythonpath=[lower_case_model])
    assert r.returncode == 0, r.stderr

    bad = {"SVC_REDIS_URL": "redis://r", "SVC_API_KEY": "0123456789", "HOOK_URL": "javascript:alert(1)"}
    r = validate("team_settings:Settings", bad, pythonpath=[lower_case_model])
    assert r.returncode == 1, r.stderr
    assert json.loads(r.stdout) == [
        {"type": "url_scheme", "loc": ["HOOK_URL"], "msg": "URL scheme should be 'http' or 'https'"}
    ]


def test_only_the_snapshot_is_validated(lower_case_model):
    # Neither the environment nor the model's env_file fills in (or breaks) anything.
    r = validate(
        "team_settings:Settings",
        {"SVC_REDIS_URL": "redis://r"},
        pythonpath=[lower_case_model],
        env={"SVC_API_KEY": "from-the-environment"},
    )
    assert r.returncode == 1, r.stderr
    assert [e["loc"] for e in json.loads(r.stdout)] == [["SVC_API_KEY"]]


def test_the_writer_refuses_what_the_model_refuses(redis_server, tmp_path):
    command = f"{sys.executable} -m omega_config.validate {EXAMPLE_MODEL}"
    d = example_daemon(tmp_path, redis_server, args=["--validate-with", command])
    d.start(extra_env={"PYTHONPATH": str(REPO)})
    try:
        r = d.patch({"ALERT_WEBHOOK_URL": "javascript:alert(1)"})
        assert r.status == 422, r
        assert r.json["details"] == [
            {
                "key": "ALERT_WEBHOOK_URL",
                "message": "URL scheme should be 'http' or 'https'",
                "type": "url_scheme",
                "loc": ["ALERT_WEBHOOK_URL"],
            }
        ]
        assert d.env_path.read_text() == (EXAMPLES / "omega.env").read_text()
        r = d.patch({"ALERT_WEBHOOK_URL": "https://hooks.example.com/omega", "LOG_LEVEL": "debug"})
        assert r.status == 200, r
    finally:
        d.stop()
