"""Hardening item 6, one .env dialect: omega_config.dotenv.read_dotenv, the reader behind
AgentSettings, reads every form of the shared corpus (tests/data/env_dialect_corpus.json)
exactly as python-dotenv reads it for pydantic-settings, including the forms the writer
refuses: a reader just follows python-dotenv."""

import logging
import re

import pytest
from omega_config.dotenv import read_dotenv

from tests.support.dotenv_dialect import forms, read_with_python_dotenv

FORMS = forms()


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_env_dialect_matches_python_dotenv(tmp_path, form, caplog):
    path = form.write(tmp_path)
    expected = read_with_python_dotenv(path)
    with caplog.at_level(logging.WARNING, logger="omega_config.dotenv"):
        values = read_dotenv(path)
    assert list(values.items()) == list(expected.values.items())
    warned = [r.getMessage() for r in caplog.records if r.name == "omega_config.dotenv"]
    assert [int(re.search(r": line (\d+): ", m).group(1)) for m in warned] == expected.skipped


def test_missing_file_reads_as_empty(tmp_path):
    assert read_dotenv(tmp_path / "absent.env") == {}
    assert read_dotenv(tmp_path) == {}
