"""End to end with the real writer: a patch over HTTP to omega-settingsd reaches
a Python callback, and watch_log_level changes the level.

The writer is tests/support/daemon.py's (the `settingsd` fixture); the binary
comes from $OMEGA_SETTINGSD_BIN (scripts/test-python.sh builds it when unset).
"""

import logging
import queue

from omega_config import ConfigKey, create_config_manager, watch_log_level

from tests.support.daemon import example_daemon
from tests.support.waiting import wait_until


def test_patch_over_http_reaches_python_callback_and_log_level(settingsd, redis_server):
    logger = logging.getLogger("omega-e2e")
    with create_config_manager(redis_server.url) as cfg:
        cfg.require([ConfigKey.REDIS_URL, ConfigKey.SECRET_KEY, ConfigKey.MONGO_URI])
        assert cfg.log_level == "INFO"
        assert cfg.request_timeout == 30
        assert cfg.secret_key == "dev-only-secret-key-change-me-0123456789"  # in clear in Redis only
        watch_log_level(cfg, logger)
        assert logger.level == logging.INFO
        seen = queue.Queue()
        cfg.on_reload(lambda version, changed: seen.put((version, changed, cfg.request_timeout)))

        r = settingsd.patch({"LOG_LEVEL": "DEBUG", "REQUEST_TIMEOUT": 45})
        assert r.status == 200, r
        patched_version = int(r.json["version"])

        version, changed, timeout = seen.get(timeout=15)
        assert version == patched_version
        assert sorted(changed) == ["LOG_LEVEL", "REQUEST_TIMEOUT"]
        assert timeout == 45
        wait_until(lambda: logger.level == logging.DEBUG, what="DEBUG")
        assert cfg.version == patched_version

        # A patch the writer refuses changes nothing on the reader side.
        r = settingsd.patch({"REQUEST_TIMEOUT": 100000})
        assert r.status == 422, r
        r = settingsd.patch({"LOG_LEVEL": "ERROR"})
        assert r.status == 200, r
        version, changed, _ = seen.get(timeout=15)
        assert changed == ("LOG_LEVEL",)
        wait_until(lambda: logger.level == logging.ERROR, what="ERROR")
        assert cfg.request_timeout == 45


def test_reader_started_before_the_writer_picks_up_its_first_snapshot(redis_server, tmp_path):
    with create_config_manager(redis_server.url) as cfg:
        assert cfg.version == 0 and cfg.get("LOG_LEVEL") is None
        d = example_daemon(tmp_path, redis_server)
        d.start()
        try:
            wait_until(lambda: cfg.version >= 1, what="the boot snapshot")
            assert cfg.service_name == "omega"
            assert cfg.get_bool("feature_streaming") is True
        finally:
            d.stop()
