"""ConfigKey stays in sync with the bundled example schema."""

import json
import pathlib

import pytest
from omega_config import ConfigKey

SCHEMA = pathlib.Path(__file__).resolve().parents[2] / "examples" / "omega.schema.json"


def test_config_key_lists_exactly_the_schema_properties():
    properties = json.loads(SCHEMA.read_text())["properties"]
    assert sorted(k.value for k in ConfigKey) == sorted(properties), (
        "regenerate with: python bindings/python/tools/gen_config_key.py"
    )


@pytest.mark.parametrize("key", list(ConfigKey))
def test_each_key_is_its_own_upper_snake_name(key):
    assert isinstance(key, str)
    assert key == key.name == str(key) == f"{key}"
    assert key.upper() == key
