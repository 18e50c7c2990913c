"""Hardening item 6, one .env dialect: the writer reads the canonical .env exactly as
python-dotenv does (and so pydantic-settings, and so OMEGASettings), or refuses it naming the
line where python-dotenv's reading is unsafe for a writer; and it writes values back so that
python-dotenv reads exactly them, leaving every other statement byte for byte.

Every form of tests/data/env_dialect_corpus.json is held to python-dotenv's own answer
(tests/support/dotenv_dialect.py); the writer's model is driven through omega-model-check.
"""

import json
import re
import subprocess
from collections import defaultdict

import pytest

from tests.support.daemon import DATA
from tests.support.dotenv_dialect import accepted_forms, forms, read_with_python_dotenv
from tests.support.redis_server import redis_keys

FORMS = forms()
ACCEPTED = accepted_forms()

# Values to write over each key of each form: what quoting must get right.
AWKWARD = [
    "",
    " ",
    "  lead and trail  ",
    "#",
    " #x",
    "a #b",
    "'",
    '"',
    "\\",
    "ends\\",
    "\\'\\\"",
    'it\'s "both"',
    "a\nb\r\nc\td",
    "\x01\x1f\x7f\x0b\x0c",
    "\u00a0nbsp\u3000",
    "x\u2028y\x85",
    "=",
    "export X=1",
    "$HOME $ {X} ${X:y} ${X",
]


def env_values(tool, path):
    return subprocess.run([tool, "--env-values", str(path)], capture_output=True, encoding="utf-8")


def env_render(tool, path, updates):
    return subprocess.run([tool, "--env-render", str(path), json.dumps(updates)], capture_output=True)


def messages_by_line(stderr, path):
    found = defaultdict(str)
    for line, message in re.findall(re.escape(str(path)) + r":(\d+): (.*)", stderr):
        found[int(line)] += message + "\n"
    return found


def reread(tmp_path, text):
    """python-dotenv's values for .env bytes."""
    path = tmp_path / "reread.env"
    path.write_bytes(text)
    reading = read_with_python_dotenv(path)
    assert not reading.refused_by_the_writer, text
    return reading.values


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_env_dialect_matches_python_dotenv(model_check, tmp_path, form):
    path = form.write(tmp_path)
    expected = read_with_python_dotenv(path)
    result = env_values(model_check, path)
    if not expected.refused_by_the_writer:
        assert result.returncode == 0, result.stderr
        assert list(json.loads(result.stdout).items()) == list(expected.values.items())
        return
    assert result.returncode == 1, "python-dotenv's reading is unsafe for the writer: it must refuse"
    messages = messages_by_line(result.stderr, path)
    assert set(messages) == expected.lines_the_writer_names(), result.stderr
    for line in expected.expanded:
        assert "${...}" in messages[line] and "write the value out" in messages[line]
    for first, again in expected.duplicates:
        assert f"first set on line {first}" in messages[again]
    for line in expected.skipped:
        assert "python-dotenv would skip" in messages[line]


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_write_back_keeps_every_statement_it_does_not_touch(model_check, tmp_path, form):
    text = form.env.encode()
    kept = text + (b"" if text == b"" or text.endswith((b"\n", b"\r")) else b"\n")
    path = tmp_path / "omega.env"
    path.write_bytes(kept + b"OMEGA_OTHER=old\n")
    expected = read_with_python_dotenv(path)

    replaced = env_render(model_check, path, {"OMEGA_OTHER": "new # value"})
    if expected.refused_by_the_writer:
        assert replaced.returncode == 1, "a file the writer refuses is never rewritten"
        return
    assert replaced.returncode == 0, replaced.stderr
    assert replaced.stdout.startswith(kept)
    assert list(reread(tmp_path, replaced.stdout).items()) == list(
        {**expected.values, "OMEGA_OTHER": "new # value"}.items()
    )

    removed = env_render(model_check, path, {"OMEGA_OTHER": None})
    assert removed.stdout == kept

    appended = env_render(model_check, path, {"OMEGA_NEW": "n"})
    assert appended.stdout.startswith(kept + b"OMEGA_OTHER=old\n")
    assert reread(tmp_path, appended.stdout) == {**expected.values, "OMEGA_NEW": "n"}


@pytest.mark.parametrize("form", ACCEPTED, ids=[f.name for f in ACCEPTED])
def test_write_back_values_read_back_exactly(model_check, tmp_path, form):
    form_path = form.write(tmp_path)
    values = read_with_python_dotenv(form_path).values
    target = tmp_path / "target.env"
    target.write_bytes(b"OMEGA_SET=old # note\nOMEGA_BARE\n")

    # The form's own values, written into a replaced value, a key without '=' and a new key.
    for value in (v for v in values.values() if v is not None):
        updates = {"OMEGA_SET": value, "OMEGA_BARE": value, "OMEGA_NEW": value}
        out = env_render(model_check, target, updates)
        assert out.returncode == 0, out.stderr
        assert reread(tmp_path, out.stdout) == updates

    # Awkward values written over every key of the form, in place.
    for value in AWKWARD:
        updates = dict.fromkeys(values, value)
        out = env_render(model_check, form_path, updates)
        assert out.returncode == 0, out.stderr
        assert reread(tmp_path, out.stdout) == updates, out.stdout
        (tmp_path / "again.env").write_bytes(out.stdout)
        assert json.loads(env_values(model_check, tmp_path / "again.env").stdout) == updates


def test_writer_refuses_values_python_dotenv_would_expand(model_check, tmp_path):
    path = tmp_path / "omega.env"
    path.write_bytes(b"A=1\n")
    for value in ("${HOME}", "x${A}y", "${UNSET:-default}", "${}"):
        result = env_render(model_check, path, {"A": value})
        assert result.returncode == 1
        assert b"${...}" in result.stderr and value.encode() not in result.stderr


# --- the same rules through the running daemon ---------------------------------------------

PEM = "-----BEGIN PRIVATE KEY-----\nMIIBVgIBADANBgkqhkiG9w0BAQEFAASCAUAw\n-----END PRIVATE KEY-----"


def test_daemon_publishes_what_python_dotenv_reads(make_daemon, redis_server):
    text = (DATA / "test.env").read_text()
    text = text.replace("SECRET_KEY='tEsT-secret-key-NEVER-LEAK-0123456789abcdef'", f'SECRET_KEY="{PEM}"')
    text = text.replace('export MONGO_URI="mongodb://omega:', "export MONGO_URI='mongodb://it\\'s:").replace(
        '27017/omega"', "27017/omega' # quoted"
    )
    text = text.replace("LOG_LEVEL=INFO", "LOG_LEVEL")  # no '=': unset, so the schema's default
    d = make_daemon(env_text=text.replace("\n", "\r\n"))
    expected = read_with_python_dotenv(d.env_path).values
    snapshot = json.loads(redis_keys(redis_server)[0])
    assert snapshot["SECRET_KEY"] == expected["SECRET_KEY"] == PEM
    assert snapshot["MONGO_URI"] == expected["MONGO_URI"] == "mongodb://it's:Mongo-PASS-never-leak@mongo:27017/omega"
    assert expected["LOG_LEVEL"] is None and snapshot["LOG_LEVEL"] == "INFO"


def test_patch_is_written_so_python_dotenv_reads_it_back(daemon, redis_server):
    before = daemon.env_path.read_bytes()
    value = "mongodb://u:p'\"\\#x @h/\u00e9?a=1 # not a comment\nline two\\"
    r = daemon.patch({"MONGO_URI": value})
    assert r.status == 200, r
    assert read_with_python_dotenv(daemon.env_path).values["MONGO_URI"] == value
    assert json.loads(redis_keys(redis_server)[0])["MONGO_URI"] == value
    untouched = [line for line in before.splitlines(keepends=True) if not line.startswith(b"export MONGO_URI")]
    assert all(line in daemon.env_path.read_bytes() for line in untouched)


def test_patch_value_python_dotenv_would_expand_is_refused(daemon):
    before = daemon.env_path.read_bytes()
    r = daemon.patch({"MONGO_URI": "mongodb://omega:${MONGO_PASSWORD}@mongo:27017"})
    assert r.status == 422, r
    assert r.json["error"] == "validation_failed"
    assert "MONGO_URI" in r.body and "${...}" in r.body and "MONGO_PASSWORD" not in r.body
    assert daemon.env_path.read_bytes() == before
