"""The writer's schema is exactly what pydantic-settings emits for OMEGASettings.

examples/omega.schema.json must equal OMEGASettings.model_json_schema() in content, the writer's
schema parser must accept that output unchanged, and for the same .env text the writer and
pydantic must agree on what is valid and on the typed values.

The writer's model is driven through `omega-model-check` (tests/unit/omega_model_check.cc; the
`model_check` fixture in conftest.py).
"""

import json
import subprocess

import pytest
from dotenv import dotenv_values
from pydantic import SecretStr, ValidationError

from examples.omega_settings import OMEGASettings
from tests.support.paths import EXAMPLES

SCHEMA_FILE = str(EXAMPLES / "omega.schema.json")
ENV_FILE = str(EXAMPLES / "omega.env")


def run(tool, *args):
    return subprocess.run([tool, *args], capture_output=True, text=True)


@pytest.fixture
def pydantic_schema_file(tmp_path):
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(OMEGASettings.model_json_schema()))
    return str(path)


def settings_from_env_text(text, tmp_path):
    """pydantic-settings' own reading of a .env text (python-dotenv), ignoring os.environ."""
    path = tmp_path / "pydantic.env"
    path.write_text(text)
    return OMEGASettings(**dotenv_values(str(path)))


def plain(value):
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def test_example_schema_equals_pydantic_output():
    with open(SCHEMA_FILE) as f:
        shipped = json.load(f)
    assert shipped == OMEGASettings.model_json_schema(), (
        "examples/omega.schema.json is stale: run `python examples/omega_settings.py > examples/omega.schema.json`"
    )


def test_example_schema_covers_the_pattern_document_keys():
    with open(SCHEMA_FILE) as f:
        properties = json.load(f)["properties"]
    for key in ("REDIS_URL", "SECRET_KEY", "LOG_LEVEL", "MONGO_URI", "REQUEST_TIMEOUT"):
        assert key in properties


def test_writer_accepts_pydantic_schema_unchanged(model_check, pydantic_schema_file):
    result = run(model_check, pydantic_schema_file)
    assert result.returncode == 0, result.stderr
    listed = dict(line.split("\t") for line in result.stdout.splitlines())
    assert sorted(listed) == sorted(OMEGASettings.model_fields)
    secrets = {name for name, field in OMEGASettings.model_fields.items() if field.annotation is SecretStr}
    assert {k for k, kind in listed.items() if kind == "secret"} == secrets == {"SECRET_KEY", "MONGO_URI"}


def test_example_env_gives_pydantic_values(model_check, tmp_path):
    result = run(model_check, SCHEMA_FILE, ENV_FILE)
    assert result.returncode == 0, result.stderr
    snapshot = json.loads(result.stdout)
    with open(ENV_FILE) as f:
        settings = settings_from_env_text(f.read(), tmp_path)
    expected = {name: plain(getattr(settings, name)) for name in OMEGASettings.model_fields}
    assert snapshot == expected
    assert list(snapshot) == sorted(snapshot)


BASE_ENV = (
    "REDIS_URL=redis://127.0.0.1:6379/0\nSECRET_KEY=0123456789abcdef0123456789abcdef\nMONGO_URI=mongodb://mongo:27017\n"
)

# (line added to BASE_ENV, expected to be valid). Each case is checked against pydantic too:
# the writer must agree with the model on validity and on the typed value.
PARITY_CASES = [
    ("REQUEST_TIMEOUT=45", True),
    ("REQUEST_TIMEOUT=300", True),
    ("REQUEST_TIMEOUT=301", False),
    ("REQUEST_TIMEOUT=0", False),
    ("REQUEST_TIMEOUT=30x", False),
    ("REQUEST_TIMEOUT=abc", False),
    ("MAX_CONCURRENT_TASKS=0", False),
    ("LLM_TEMPERATURE=1.5", True),
    # The snapshot carries the exact double, not a 15-digit rounding of it.
    ("LLM_TEMPERATURE=0.30000000000000004", True),
    ("LLM_TEMPERATURE=2.5", False),
    ("LLM_TEMPERATURE=nope", False),
    ("LOG_LEVEL=debug", True),
    ("LOG_LEVEL=Warning", True),
    ("LOG_LEVEL=VERBOSE", False),
    ("FEATURE_STREAMING=false", True),
    ("FEATURE_STREAMING=yes", True),
    ("FEATURE_STREAMING=0", True),
    ("FEATURE_STREAMING=maybe", False),
    ("SERVICE_NAME=agent-7", True),
    ("SERVICE_NAME=Agent_7", False),
    ("RATE_LIMIT_PER_MINUTE=600", True),
    ("RATE_LIMIT_PER_MINUTE=0", False),
    ("SECRET_KEY2=x", False),
    ("export SERVICE_NAME='quoted-name'", True),
    ('SERVICE_NAME="dq" # comment', True),
]


@pytest.mark.parametrize("line,valid", PARITY_CASES)
def test_writer_and_pydantic_agree(model_check, tmp_path, line, valid):
    text = BASE_ENV + line + "\n"
    env_path = tmp_path / "omega.env"
    env_path.write_text(text)
    result = run(model_check, SCHEMA_FILE, str(env_path))
    try:
        settings = settings_from_env_text(text, tmp_path)
        pydantic_ok = True
    except ValidationError:
        pydantic_ok = False
    assert pydantic_ok == valid, f"pydantic disagrees with the test table on {line!r}"
    assert (result.returncode == 0) == valid, result.stderr
    if valid:
        snapshot = json.loads(result.stdout)
        expected = {name: plain(getattr(settings, name)) for name in OMEGASettings.model_fields}
        assert snapshot == expected
    else:
        assert result.returncode == 1
        key = line.replace("export ", "").split("=")[0]
        assert result.stderr.startswith(key + ": "), result.stderr


def test_writer_lists_every_bad_key_without_secret_values(model_check, tmp_path):
    env_path = tmp_path / "omega.env"
    env_path.write_text("REDIS_URL=not a url\nSECRET_KEY=too-short-secret\nREQUEST_TIMEOUT=0\nUNKNOWN_KEY=1\n")
    result = run(model_check, SCHEMA_FILE, str(env_path))
    assert result.returncode == 1
    keys = [line.split(":")[0] for line in result.stderr.splitlines()]
    assert keys == ["MONGO_URI", "REDIS_URL", "REQUEST_TIMEOUT", "SECRET_KEY", "UNKNOWN_KEY"]
    assert "too-short-secret" not in result.stderr
    assert "missing required key" in result.stderr


@pytest.mark.parametrize(
    "key,json_value,text",
    [
        ("LOG_LEVEL", '"debug"', "DEBUG"),
        ("REQUEST_TIMEOUT", "60", "60"),
        ("LLM_TEMPERATURE", "0.25", "0.25"),
        ("FEATURE_NEW_PLANNER", "true", "true"),
        ("MONGO_URI", '"mongodb://mongo:27017"', "mongodb://mongo:27017"),
    ],
)
def test_patch_values_become_env_text(model_check, key, json_value, text):
    result = run(model_check, SCHEMA_FILE, "--value", key, json_value)
    assert result.returncode == 0, result.stderr
    assert result.stdout == text + "\n"


@pytest.mark.parametrize(
    "key,json_value",
    [
        ("REQUEST_TIMEOUT", "1e400"),
        ("REQUEST_TIMEOUT", "true"),
        ("REQUEST_TIMEOUT", "1.5"),
        ("LOG_LEVEL", '"LOUD"'),
        ("SERVICE_NAME", '"bad\\u0000name"'),
        ("NOT_A_KEY", "1"),
    ],
)
def test_bad_patch_values_are_refused(model_check, key, json_value):
    result = run(model_check, SCHEMA_FILE, "--value", key, json_value)
    assert result.returncode == 1
    assert result.stderr.strip()
    assert result.stdout == ""
