"""watch_log_level: LOG_LEVEL -> Python logging, now and on every change."""

import logging

import pytest
from omega_config import logging as omega_logging
from omega_config import watch_log_level

from tests.support.waiting import wait_until


@pytest.fixture
def target():
    logger = logging.getLogger("omega-test-target")
    logger.setLevel(logging.NOTSET)
    yield logger
    logger.setLevel(logging.NOTSET)


def test_same_function_in_both_places():
    assert omega_logging.watch_log_level is watch_log_level


@pytest.mark.parametrize(
    "value, level",
    [
        ("debug", logging.DEBUG),
        ("Warning", logging.WARNING),
        ("WARN", logging.WARNING),
        ("critical", logging.CRITICAL),
        ("15", 15),
        (25, 25),
        ("  error ", logging.ERROR),
    ],
)
def test_names_in_any_case_and_numbers_apply_now(writer, open_manager, target, value, level):
    writer.publish({"LOG_LEVEL": value})
    watch_log_level(open_manager(), target)
    assert target.level == level


def test_level_follows_every_update(writer, open_manager, target):
    writer.publish({"LOG_LEVEL": "INFO"})
    cfg = open_manager()
    watch_log_level(cfg, "omega-test-target")  # a logger name works too
    assert target.level == logging.INFO
    writer.update(LOG_LEVEL="DEBUG")
    wait_until(lambda: target.level == logging.DEBUG, what="DEBUG")
    writer.update(LOG_LEVEL="error")
    wait_until(lambda: target.level == logging.ERROR, what="ERROR")


def test_invalid_value_keeps_the_level_and_warns(writer, open_manager, target, caplog):
    writer.publish({"LOG_LEVEL": "WARNING"})
    cfg = open_manager()
    watch_log_level(cfg, target)
    caplog.set_level(logging.WARNING, logger="omega_config")
    v = writer.update(LOG_LEVEL="loud")
    wait_until(lambda: cfg.version == v, what="the new version")
    wait_until(lambda: any("loud" in r.getMessage() for r in caplog.records), what="the warning")
    assert target.level == logging.WARNING
    warning = next(r for r in caplog.records if "loud" in r.getMessage())
    assert warning.levelno == logging.WARNING and warning.name == "omega_config"
    assert "WARNING" in warning.getMessage()  # names the level it kept


def test_stop_ends_the_watching(writer, open_manager, target):
    writer.publish({"LOG_LEVEL": "INFO"})
    cfg = open_manager()
    watch = watch_log_level(cfg, target)
    watch.stop()
    v = writer.update(LOG_LEVEL="DEBUG")
    wait_until(lambda: cfg.version == v, what="the new version")
    assert target.level == logging.INFO


def test_unrelated_changes_leave_a_manual_level_alone(writer, open_manager, target):
    writer.publish({"LOG_LEVEL": "INFO", "REQUEST_TIMEOUT": 30})
    cfg = open_manager()
    watch_log_level(cfg, target)
    target.setLevel(logging.DEBUG)  # an operator's override
    v = writer.update(REQUEST_TIMEOUT=31)
    wait_until(lambda: cfg.version == v, what="the new version")
    assert target.level == logging.DEBUG
