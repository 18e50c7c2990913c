"""Reads: attribute access, get, typed getters, snapshots, and attribute-error behaviour."""

import json

import pytest
from omega_config import ConfigKey, ConfigTypeError, MissingConfigError

VALUES = {
    "REDIS_URL": "redis://cache:6379/0",
    "REQUEST_TIMEOUT": 30,
    "LLM_TEMPERATURE": 0.7,
    "FEATURE_STREAMING": True,
    "RETRIES_TEXT": "5",
    "RATIO_TEXT": "0.25",
    "ENABLED_TEXT": "yes",
    "NOT_A_NUMBER": "abc",
    "ALERT_WEBHOOK_URL": None,
    "ALLOWED_HOSTS": ["a", "b"],
    "LIMITS": {"rpm": 60},
    "GET": "a key named like a method",
}


@pytest.fixture
def cfg(writer, open_manager):
    writer.publish(VALUES)
    return open_manager()


def test_attribute_reads_any_case_with_typed_values(cfg):
    assert cfg.redis_url == "redis://cache:6379/0"
    assert cfg.REDIS_URL == "redis://cache:6379/0"
    assert cfg.Redis_Url == "redis://cache:6379/0"
    assert cfg.request_timeout == 30 and type(cfg.request_timeout) is int
    assert cfg.llm_temperature == 0.7
    assert cfg.feature_streaming is True
    assert cfg.allowed_hosts == ["a", "b"]
    assert cfg.limits == {"rpm": 60}


def test_missing_attribute_raises_error_naming_the_key(cfg):
    with pytest.raises(MissingConfigError) as info:
        cfg.mongo_uri
    assert "MONGO_URI" in str(info.value)
    assert info.value.keys == ("MONGO_URI",)
    assert isinstance(info.value, AttributeError)
    assert isinstance(info.value, KeyError)


def test_getattr_default_and_hasattr_behave_like_attribute_errors(cfg):
    assert getattr(cfg, "x", 1) == 1
    assert getattr(cfg, "mongo_uri", None) is None
    assert hasattr(cfg, "redis_url")
    assert not hasattr(cfg, "mongo_uri")
    assert not hasattr(cfg, "_private")


def test_null_values_read_as_absent(cfg):
    assert cfg.get("ALERT_WEBHOOK_URL", "none set") == "none set"
    assert not hasattr(cfg, "alert_webhook_url")
    assert "ALERT_WEBHOOK_URL" not in cfg.snapshot()


def test_get_is_tolerant_and_accepts_config_keys(cfg):
    assert cfg.get("request_timeout") == 30
    assert cfg.get(ConfigKey.REQUEST_TIMEOUT) == 30
    assert cfg.get("missing") is None
    assert cfg.get("missing", 7) == 7
    assert cfg.get("missing", default=8) == 8
    assert cfg.get(key="REQUEST_TIMEOUT") == 30
    with pytest.raises(TypeError):
        cfg.get("REQUEST_TIMEOUT", 1, 2)
    assert cfg["redis_url"] == "redis://cache:6379/0"
    with pytest.raises(KeyError):
        cfg["missing"]
    assert "request_timeout" in cfg and "missing" not in cfg


def test_a_key_named_like_a_method_keeps_the_method(cfg):
    assert cfg.get("GET") == "a key named like a method"
    assert cfg.GET == "a key named like a method"
    assert callable(cfg.get)


def test_typed_getters_convert_like_the_c_library(cfg):
    assert cfg.get_int("request_timeout") == 30
    assert cfg.get_int("retries_text") == 5
    assert cfg.get_float("ratio_text") == 0.25
    assert cfg.get_float(ConfigKey.LLM_TEMPERATURE) == 0.7
    assert cfg.get_bool("enabled_text") is True
    assert cfg.get_bool("feature_streaming") is True
    assert cfg.get_int("missing", 3) == 3
    with pytest.raises(MissingConfigError):
        cfg.get_int("missing")
    with pytest.raises(ConfigTypeError) as info:
        cfg.get_int("not_a_number")
    assert "NOT_A_NUMBER" in str(info.value)
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)


def test_snapshot_is_a_read_only_mapping_of_one_version(cfg, writer):
    snap = cfg.snapshot()
    assert snap.version == cfg.version == writer.version
    assert dict(snap)["REDIS_URL"] == "redis://cache:6379/0"
    assert snap["redis_url"] == "redis://cache:6379/0"
    assert len(snap) == len([v for v in VALUES.values() if v is not None])
    with pytest.raises(TypeError):
        snap["REDIS_URL"] = "x"
    assert not hasattr(snap, "__setitem__")


def test_manager_is_read_only(cfg):
    with pytest.raises(AttributeError):
        cfg.redis_url = "redis://elsewhere"
    with pytest.raises(AttributeError):
        del cfg.redis_url
    assert cfg.redis_url == "redis://cache:6379/0"


def test_values_match_what_a_plain_json_client_reads(cfg, redis_server):
    """The pattern document's no-cache way must agree with the cache."""
    raw = json.loads(redis_server.client().get("omega:config"))
    expected = {k: v for k, v in raw.items() if v is not None}
    assert dict(cfg.snapshot()) == expected


def test_status_reports_ready_and_the_version(cfg, writer):
    status = cfg.status
    assert status.state == "READY" and status.ready
    assert status.version == writer.version
    assert status.rejected == 0
