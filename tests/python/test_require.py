"""require(): the contract every service declares at startup."""

import pytest
from omega_config import ConfigKey, MissingConfigError

from tests.support.waiting import wait_until

BASE = {"REDIS_URL": "redis://cache:6379/0", "LOG_LEVEL": "INFO", "ALERT_WEBHOOK_URL": None}


def test_require_names_every_missing_key_at_once(writer, open_manager):
    writer.publish(BASE)
    cfg = open_manager()
    with pytest.raises(MissingConfigError) as info:
        cfg.require([ConfigKey.REDIS_URL, ConfigKey.SECRET_KEY, "mongo_uri", "ALERT_WEBHOOK_URL"])
    # Present keys are not listed; a null value counts as missing; names are canonical.
    assert info.value.keys == ("SECRET_KEY", "MONGO_URI", "ALERT_WEBHOOK_URL")
    message = str(info.value)
    for key in ("SECRET_KEY", "MONGO_URI", "ALERT_WEBHOOK_URL"):
        assert key in message
    assert "REDIS_URL" not in message
    assert isinstance(info.value, KeyError) and isinstance(info.value, AttributeError)


def test_require_passes_when_every_key_is_present(writer, open_manager):
    writer.publish(BASE)
    cfg = open_manager()
    cfg.require(["redis_url", ConfigKey.LOG_LEVEL])
    cfg.require("REDIS_URL")  # a single key works too
    cfg.require([])


def test_required_keys_are_remembered_a_snapshot_lacking_one_is_rejected(writer, open_manager):
    writer.publish(BASE)
    cfg = open_manager()
    cfg.require([ConfigKey.REDIS_URL])
    good = cfg.version
    writer.update(REDIS_URL=None, LOG_LEVEL="DEBUG")
    status = wait_until(lambda: (s := cfg.status).state == "ERROR" and s, what="the rejection")
    assert status.rejected == 1
    assert "REDIS_URL" in status.last_error
    assert cfg.version == good and cfg.redis_url == "redis://cache:6379/0" and cfg.log_level == "INFO"
    # A later good snapshot is installed again.
    v = writer.update(REDIS_URL="redis://other:6379/0")
    wait_until(lambda: cfg.version == v, what="the next good version")
    assert cfg.redis_url == "redis://other:6379/0" and cfg.log_level == "DEBUG"
    assert cfg.status.state == "READY"
