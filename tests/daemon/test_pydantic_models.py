"""Ordinary pydantic-settings models, as teams write them, feed the writer unchanged.

Each model (settings_models.py) is declared in Python and its schema generated at test time with
model_json_schema() (never written by hand): Enum classes ($defs + $ref), Literal, SecretStr,
RedisDsn/PostgresDsn/HttpUrl, conint/Field(ge=...), Optional, list, set, dict, Path. For the same
.env text the writer (omega-model-check, the daemon's model) and pydantic-settings (its own
.env source, which json.loads list and dict values) must agree on what is valid, and the
snapshot the writer would publish must validate to the very settings pydantic read.

Where they cannot agree (JSON Schema does not say it, or the writer is deliberately
stricter), KNOWN_DIFFERENCES says so, case by case.
"""

import json
import subprocess

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from settings_models import REQUIRED, AgentSettings, ServiceSettings, read_with_pydantic


def run(tool, *args):
    return subprocess.run([tool, *args], capture_output=True, text=True)


def schema_file(model, tmp_path):
    path = tmp_path / f"{model.__name__}.schema.json"
    path.write_text(json.dumps(model.model_json_schema()))
    return str(path)


def env_text(model, line=""):
    """The model's required keys, and `line` (which may replace one of them)."""
    key = line.split("=")[0]
    required = [r for r in REQUIRED[model].splitlines() if not key or r.split("=")[0] != key]
    return "\n".join([*required, line]) + "\n"


def writer_snapshot(model_check, model, tmp_path, line=""):
    env_path = tmp_path / "omega.env"
    env_path.write_text(env_text(model, line))
    result = run(model_check, schema_file(model, tmp_path), str(env_path))
    return result, env_path


def secrets_of(model):
    return {name for name, f in model.model_fields.items() if "SecretStr" in repr(f.annotation)}


@pytest.mark.parametrize("model", [ServiceSettings, AgentSettings], ids=lambda m: m.__name__)
def test_real_pydantic_models_are_accepted(model_check, model, tmp_path):
    schema = model.model_json_schema()
    result = run(model_check, schema_file(model, tmp_path))
    assert result.returncode == 0, result.stderr
    listed = dict(line.split("\t") for line in result.stdout.splitlines())
    assert sorted(listed) == sorted(model.model_fields)
    assert {k for k, kind in listed.items() if kind == "secret"} == secrets_of(model)
    if model is ServiceSettings:
        # The shapes this test is about really are in the generated schema.
        props = schema["properties"]
        assert "$defs" in schema and props["COLOR"]["$ref"] == "#/$defs/Color"
        assert props["ACCENT"]["anyOf"][0] == {"$ref": "#/$defs/Color"}
        assert props["TAGS"]["type"] == "array" and props["WEIGHTS"]["additionalProperties"] == {"type": "number"}
        assert props["PORTS"]["uniqueItems"] is True and props["DATA_DIR"]["format"] == "path"

    # Defaults plus the required keys: the writer's snapshot validates to pydantic's settings.
    result, env_path = writer_snapshot(model_check, model, tmp_path)
    assert result.returncode == 0, result.stderr
    settings, error = read_with_pydantic(model, env_path)
    assert error is None, error
    assert model.model_validate(json.loads(result.stdout)) == settings


# (model, line added to the required keys, valid). Both must say `valid`; when valid, the
# snapshot must validate to the same settings pydantic-settings read from the same text.
PARITY_CASES = [
    (ServiceSettings, "COLOR=green", True),
    (ServiceSettings, "COLOR=blue", False),
    (ServiceSettings, "PRIORITY=2", True),
    (ServiceSettings, "PRIORITY=3", False),
    (ServiceSettings, "ACCENT=green", True),
    (ServiceSettings, "ACCENT=purple", False),
    (ServiceSettings, "MODE=fast", True),
    (ServiceSettings, "MODE=slow", False),
    (ServiceSettings, "API_KEY=short", False),
    (ServiceSettings, "REDIS_URL=rediss://:pw@cache:6380/2", True),
    (ServiceSettings, "REDIS_URL=not a url", False),
    (ServiceSettings, "DATABASE_URL=postgresql://u:p@h1:5432,h2:5433/app", True),
    (ServiceSettings, "WEBHOOK_URL=https://hooks.example.com/a?b=c", True),
    (ServiceSettings, "WEBHOOK_URL=hooks.example.com", False),
    (ServiceSettings, "WORKERS=64", True),
    (ServiceSettings, "WORKERS=65", False),
    (ServiceSettings, "WORKERS=0", False),
    (ServiceSettings, "TIMEOUT_S=0.25", True),
    (ServiceSettings, "TIMEOUT_S=0", False),
    (ServiceSettings, "RETRIES=3", True),
    (ServiceSettings, "RETRIES=-1", False),
    (ServiceSettings, "BATCH=25", True),
    (ServiceSettings, "BATCH=26", False),
    (ServiceSettings, 'TAGS=\'["blue", "green"]\'', True),
    (ServiceSettings, "TAGS=[]", True),
    (ServiceSettings, "TAGS=blue,green", False),
    (ServiceSettings, "TAGS=", False),
    (ServiceSettings, "TAGS='[1]'", False),
    (ServiceSettings, r'''TAGS="[\"it's\", \"C:\\\\dir\", \"#x\"]"''', True),
    (ServiceSettings, 'WEIGHTS=\'{"cpu": 0.5, "io": 2}\'', True),
    (ServiceSettings, 'WEIGHTS=\'{"cpu": "0.5"}\'', True),
    (ServiceSettings, 'WEIGHTS=\'{"cpu": "x"}\'', False),
    (ServiceSettings, "WEIGHTS='[0.5]'", False),
    (ServiceSettings, "PORTS='[443, 8443]'", True),
    (ServiceSettings, "PORTS='[\"443\"]'", True),
    (ServiceSettings, "PORTS='[0]'", False),
    (ServiceSettings, "PORTS='[1.5]'", False),
    (ServiceSettings, 'PALETTE=\'["green", "red"]\'', True),
    (ServiceSettings, "PALETTE='[\"blue\"]'", False),
    (ServiceSettings, "FALLBACK_HOSTS='[\"https://a.example.com\"]'", True),
    (ServiceSettings, "FALLBACK_HOSTS=null", True),
    (ServiceSettings, "FALLBACK_HOSTS='[\"a b\"]'", False),
    (ServiceSettings, 'LIMITS=\'{"a": [1, 2], "b": []}\'', True),
    (ServiceSettings, 'LIMITS=\'{"a": [1, "x"]}\'', False),
    (ServiceSettings, "DATA_DIR=relative/dir", True),
    (AgentSettings, 'PROVIDER_KEYS=\'{"openai": "sk-123"}\'', True),
    (AgentSettings, "PROVIDER_KEYS='{\"openai\": 5}'", False),
    (AgentSettings, 'FALLBACK_TOKENS=\'["t1", "t2"]\'', True),
    (AgentSettings, "LEVEL=4", False),
    (AgentSettings, "STOP_WORDS=[]", False),
    (AgentSettings, 'STOP_WORDS=\'["a", "b", "c", "d", "e"]\'', False),
    (AgentSettings, "NOTES=anything at all", True),
]


# Containers whose JSON form pydantic does not normalize (URLs gain a "/", sets lose order).
JSON_NATIVE = {"TAGS", "WEIGHTS", "PALETTE", "LIMITS"}


@pytest.mark.parametrize("model,line,valid", PARITY_CASES, ids=[f"{m.__name__}:{line}" for m, line, _ in PARITY_CASES])
def test_writer_and_pydantic_agree_on_real_models(model_check, tmp_path, model, line, valid):
    result, env_path = writer_snapshot(model_check, model, tmp_path, line)
    settings, error = read_with_pydantic(model, env_path)
    assert (error is None) == valid, f"pydantic disagrees with the test table on {line!r}: {error}"
    assert (result.returncode == 0) == valid, result.stderr
    key = line.split("=")[0]
    if valid:
        snapshot = json.loads(result.stdout)
        assert model.model_validate(snapshot) == settings
        if key in JSON_NATIVE:
            # Arrays and maps are published as JSON, as pydantic's JSON form has them.
            assert snapshot[key] == settings.model_dump(mode="json")[key]
    else:
        assert result.returncode == 1
        assert result.stderr.startswith(key + ": "), result.stderr


# Where the writer and pydantic-settings read the same .env text differently, and why each
# difference is safe. (model, line, writer accepts, why)
KNOWN_DIFFERENCES = [
    # Stricter: refused by the writer, accepted by pydantic.
    (ServiceSettings, "PORTS='[80, 80]'", False, "uniqueItems: a set silently drops the duplicate"),
    (ServiceSettings, "TAGS=null", False, "a list that is not Optional: pydantic falls back to the default"),
    (ServiceSettings, 'WEIGHTS=\'{"a": 1, "a": 2}\'', False, "duplicate keys: json.loads keeps the last"),
    (ServiceSettings, "WEIGHTS='{\"a\": NaN}'", False, "NaN is not JSON"),
    (ServiceSettings, "PORTS='[true]'", False, "a boolean is not an integer (as in a PATCH)"),
    (ServiceSettings, "PORTS='[\" 443 \"]'", False, "integer text is whole and strict (as in the .env)"),
    # Looser: accepted by the writer, refused by pydantic reading the .env; what the writer
    # publishes is still valid for the model.
    (ServiceSettings, "COLOR=GREEN", True, "a string enum forgives case and publishes the member"),
    (ServiceSettings, "RETRIES=", True, "an empty optional scalar is null"),
    (AgentSettings, "LEVEL=3", True, "a Literal of ints: pydantic compares the text '3' with 3"),
]


@pytest.mark.parametrize("model,line,accepted,why", KNOWN_DIFFERENCES, ids=[d[1] for d in KNOWN_DIFFERENCES])
def test_known_differences_are_safe(model_check, tmp_path, model, line, accepted, why):
    result, env_path = writer_snapshot(model_check, model, tmp_path, line)
    _, error = read_with_pydantic(model, env_path)
    assert (error is None) != accepted, f"no longer a difference ({why}): update docs/daemon.md"
    assert (result.returncode == 0) == accepted, result.stderr
    if accepted:
        model.model_validate(json.loads(result.stdout))  # what readers get is valid


# JSON Schema cannot say which URL schemes a Dsn or HttpUrl allows ("format": "uri" is all it
# says): the writer accepts these, the model refuses them. `--validate-with` closes the gap
# (tests/daemon/test_validate_with.py).
SCHEME_GAPS = [
    "WEBHOOK_URL=javascript:alert(1)",
    "REDIS_URL=http://cache:6379/0",
    "DATABASE_URL=mysql://u:p@db/app",
]


@pytest.mark.parametrize("line", SCHEME_GAPS)
def test_url_schemes_need_the_model(model_check, tmp_path, line):
    result, env_path = writer_snapshot(model_check, ServiceSettings, tmp_path, line)
    assert result.returncode == 0, result.stderr
    with pytest.raises(ValidationError):
        ServiceSettings.model_validate(json.loads(result.stdout))
    assert read_with_pydantic(ServiceSettings, env_path)[1] is not None


@pytest.mark.parametrize(
    "prop,message",
    [
        ({"$ref": "https://example.com/schema.json#/$defs/Color"}, "remote reference"),
        ({"$ref": "#/$defs/Node"}, "$ref cycle"),
    ],
)
def test_remote_refs_and_cycles_are_refused_clearly(model_check, tmp_path, prop, message):
    schema = ServiceSettings.model_json_schema()
    schema["$defs"]["Node"] = {"type": "array", "items": {"$ref": "#/$defs/Node"}}
    schema["properties"]["COLOR"] = prop
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema))
    result = run(model_check, str(path))
    assert result.returncode == 1
    assert message in result.stderr and "COLOR" in result.stderr, result.stderr


def test_nested_models_are_refused_clearly(model_check, tmp_path):
    from pydantic import BaseModel

    class Database(BaseModel):
        host: str = "db"

    class Nested(BaseSettings):
        model_config = SettingsConfigDict(extra="forbid", case_sensitive=True)
        DATABASE: Database = Database()

    result = run(model_check, schema_file(Nested, tmp_path))
    assert result.returncode == 1
    assert "DATABASE" in result.stderr and "nested models" in result.stderr, result.stderr
