"""cfg.bind(Model): a live pydantic model, re-validated on every reload, keeping the last good
model (and saying why) when a snapshot is invalid; and OmegaSettingsSource, the cache as a
pydantic-settings source under the settings class's own precedence."""

import gc
import pickle
import time
from typing import Literal, Optional

import pytest
from omega_config import BoundSettings, ConfigManager, SettingsValidationError
from omega_config.settings_source import OmegaSettingsSource
from pydantic import AliasChoices, BaseModel, Field, HttpUrl, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from tests.support.waiting import wait_until

BASE = {
    "REDIS_URL": "redis://cache:6379/0",
    "SECRET_KEY": "s" * 40,
    "LOG_LEVEL": "INFO",
    "REQUEST_TIMEOUT": 30,
    "LLM_TEMPERATURE": 0.7,
    "FEATURE_STREAMING": True,
    "TAGS": ["a", "b"],
    "UNRELATED_SETTING": "someone else's",
}


class ServiceSettings(BaseSettings):
    """A service's model: the settings it uses (not all of the snapshot's), forbidding extras."""

    model_config = SettingsConfigDict(extra="forbid", case_sensitive=True, env_file="never-read.env")

    SECRET_KEY: SecretStr = Field(min_length=32)
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    REQUEST_TIMEOUT: int = Field(default=30, ge=1, le=300)
    LLM_TEMPERATURE: float = 0.7
    FEATURE_STREAMING: bool = True
    TAGS: list[str] = []
    ALERT_WEBHOOK_URL: Optional[HttpUrl] = None


def registrations(cfg):
    return len(cfg._callbacks)


def test_bind_gives_typed_validated_values_that_follow_reloads(writer, open_manager):
    writer.publish(BASE)
    cfg = open_manager()
    view = cfg.bind(ServiceSettings)
    assert isinstance(view, BoundSettings)
    assert view.REQUEST_TIMEOUT == 30 and type(view.REQUEST_TIMEOUT) is int
    assert isinstance(view.SECRET_KEY, SecretStr) and view.SECRET_KEY.get_secret_value() == "s" * 40
    assert view.TAGS == ["a", "b"] and view.LLM_TEMPERATURE == 0.7 and view.FEATURE_STREAMING is True
    assert isinstance(view.model, ServiceSettings) and view.version == 1 and view.valid
    # A string the writer sent for a number is validated into the field's type.
    v2 = writer.update(REQUEST_TIMEOUT="45", ALERT_WEBHOOK_URL="https://hooks.example/x")
    wait_until(lambda: view.version == v2, what="the view to follow")
    assert view.REQUEST_TIMEOUT == 45 and type(view.REQUEST_TIMEOUT) is int
    assert isinstance(view.ALERT_WEBHOOK_URL, HttpUrl) and view.ALERT_WEBHOOK_URL.host == "hooks.example"
    assert cfg.status.model_errors == ()


def test_an_invalid_snapshot_keeps_the_last_good_model_and_says_why(writer, open_manager):
    writer.publish(BASE)
    cfg = open_manager()
    view = cfg.bind(ServiceSettings)
    good = view.model
    # The plain writer does not validate: a value the model refuses reaches the reader.
    v2 = writer.update(REQUEST_TIMEOUT=100000, ALERT_WEBHOOK_URL="javascript:alert(1)")
    wait_until(lambda: view.error is not None, what="the view to refuse version 2")
    assert view.model is good and view.version == 1 and view.REQUEST_TIMEOUT == 30
    assert not view.valid and view.rejected == 1
    assert cfg.version == v2 and cfg.request_timeout == 100000  # the raw cache moved on
    error = view.error
    assert isinstance(error, SettingsValidationError) and error.version == v2
    assert sorted(e["loc"][0] for e in error.errors) == ["ALERT_WEBHOOK_URL", "REQUEST_TIMEOUT"]
    assert "100000" not in str(error) and "javascript" not in str(error)  # no value in a message
    assert str(error).startswith(f"ServiceSettings rejects version {v2}: ")
    assert cfg.status.model_errors == (str(error),)
    # The next valid version is taken, and the error clears.
    v3 = writer.update(REQUEST_TIMEOUT=60, ALERT_WEBHOOK_URL=None)
    wait_until(lambda: view.version == v3, what="the view to take version 3")
    assert view.error is None and view.REQUEST_TIMEOUT == 60 and cfg.status.model_errors == ()


def test_bind_during_a_versions_callbacks_validates_that_version(writer, open_manager, monkeypatch):
    # The view registers while version 2's callbacks run (so its own is not called for it)
    # and the attribute cache still says 1: it validates what the C cache holds.
    original = ConfigManager._catch_up

    def slow(self, version):
        if version == 2:
            time.sleep(0.5)
        original(self, version)

    monkeypatch.setattr(ConfigManager, "_catch_up", slow)
    writer.publish(BASE)
    cfg = open_manager()
    writer.update(REQUEST_TIMEOUT=45)
    wait_until(lambda: cfg.status.version == 2, what="the C cache to install version 2")
    view = cfg.bind(ServiceSettings)
    assert view.version == 2 and view.REQUEST_TIMEOUT == 45


def test_bind_refuses_a_snapshot_the_model_rejects_and_leaves_nothing_registered(writer, open_manager):
    writer.publish({**BASE, "SECRET_KEY": "short"})
    cfg = open_manager()
    with pytest.raises(SettingsValidationError) as info:
        cfg.bind(ServiceSettings)
    assert [(e["loc"], e["type"]) for e in info.value.errors] == [(["SECRET_KEY"], "too_short")]
    assert "'short'" not in str(info.value) and info.value.version == 1
    assert registrations(cfg) == 0


def test_bind_reads_nothing_but_the_snapshot(writer, open_manager, monkeypatch, tmp_path):
    monkeypatch.setenv("REQUEST_TIMEOUT", "99")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "never-read.env").write_text("LOG_LEVEL=ERROR\n")
    writer.publish(BASE)
    view = open_manager().bind(ServiceSettings)
    assert view.REQUEST_TIMEOUT == 30 and view.LOG_LEVEL == "INFO"


class Prefixed(BaseSettings):
    """pydantic-settings' matching: env_prefix + name in any case, or an alias."""

    model_config = SettingsConfigDict(env_prefix="OMEGA_")

    request_timeout: int = 1
    level: str = Field(default="INFO", validation_alias=AliasChoices("LOG_LEVEL", "LEVEL"))


class Plain(BaseModel):
    """A plain model: names (or aliases) exactly."""

    REQUEST_TIMEOUT: int
    service: str = Field(alias="SERVICE_NAME")


def test_keys_match_fields_as_pydantic_settings_matches_environment_variables(writer, open_manager):
    writer.publish({"OMEGA_REQUEST_TIMEOUT": 12, "LOG_LEVEL": "DEBUG", "REQUEST_TIMEOUT": 7, "SERVICE_NAME": "api"})
    cfg = open_manager()
    prefixed = cfg.bind(Prefixed)
    assert (prefixed.request_timeout, prefixed.level) == (12, "DEBUG")
    plain = cfg.bind(Plain)
    assert (plain.REQUEST_TIMEOUT, plain.service) == (7, "api")


def test_a_dropped_view_stops_validating(writer, open_manager):
    writer.publish(BASE)
    cfg = open_manager()
    view = cfg.bind(ServiceSettings)
    assert registrations(cfg) == 1
    del view
    gc.collect()
    assert registrations(cfg) == 0
    with cfg.bind(ServiceSettings) as view:
        assert registrations(cfg) == 1
    assert registrations(cfg) == 0 and view.REQUEST_TIMEOUT == 30  # closed: keeps its model


def test_the_validation_error_survives_pickling():
    exc = SettingsValidationError("M", 7, [{"type": "int_parsing", "loc": ["X"], "msg": "not an int"}])
    clone = pickle.loads(pickle.dumps(exc))
    assert (clone.model, clone.version, clone.errors, str(clone)) == (
        "M",
        7,
        exc.errors,
        "M rejects version 7: X: not an int",
    )


# -- OmegaSettingsSource -------------------------------------------------------------------


class Layered(BaseSettings):
    """init > environment > the OMEGA cache > .env, as a team would order them."""

    model_config = SettingsConfigDict(env_file="layered.env", extra="ignore")

    REQUEST_TIMEOUT: int = 1
    LOG_LEVEL: str = "unset"
    SERVICE_NAME: str = "unset"
    TAGS: list[str] = []

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        return (init_settings, env_settings, OmegaSettingsSource(settings_cls, cls.cfg), dotenv_settings)


def test_settings_source_reads_the_cache_with_the_classes_precedence(writer, open_manager, monkeypatch, tmp_path):
    writer.publish({"REQUEST_TIMEOUT": 30, "LOG_LEVEL": "INFO", "TAGS": ["x"], "UNRELATED": 1})
    monkeypatch.chdir(tmp_path)
    (tmp_path / "layered.env").write_text("REQUEST_TIMEOUT=5\nLOG_LEVEL=ERROR\nSERVICE_NAME=from-dotenv\n")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.setattr(Layered, "cfg", open_manager(), raising=False)
    s = Layered()
    # env beats the cache (LOG_LEVEL), the cache beats .env (REQUEST_TIMEOUT), .env fills the rest.
    assert (s.REQUEST_TIMEOUT, s.LOG_LEVEL, s.SERVICE_NAME, s.TAGS) == (30, "WARNING", "from-dotenv", ["x"])
    assert Layered(REQUEST_TIMEOUT=2).REQUEST_TIMEOUT == 2  # init beats everything
    # Each instance reads the version installed when it is made.
    v2 = writer.update(REQUEST_TIMEOUT=45)
    wait_until(lambda: Layered.cfg.version == v2, what="version 2")
    assert Layered().REQUEST_TIMEOUT == 45
