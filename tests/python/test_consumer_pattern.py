"""The pattern document's "Consumer usage pattern", verbatim, with our package name."""

import logging

BASE = {
    "REDIS_URL": "redis://cache.internal:6379/0",
    "SECRET_KEY": "s" * 40,
    "MONGO_URI": "mongodb://mongo:27017/omega",
    "LOG_LEVEL": "DEBUG",
}


def test_consumer_usage_pattern_as_written(redis_server, writer, monkeypatch):
    writer.publish(BASE)
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    logging.getLogger().setLevel(logging.WARNING)

    from omega_config import ConfigKey, create_config_manager

    # 1. Require minimal contract at startup
    cfg = create_config_manager()
    cfg.require([ConfigKey.REDIS_URL, ConfigKey.SECRET_KEY])  # plus service-specific keys

    # 2. Attribute access everywhere
    redis_url = cfg.redis_url  # raises if missing
    timeout = cfg.get("request_timeout", 30)  # tolerant read

    # 3. Hot reload hook for log level
    from omega_config.logging import watch_log_level

    watch_log_level()  # applies LOG_LEVEL now and on future updates

    assert redis_url == "redis://cache.internal:6379/0"
    assert timeout == 30  # absent from the snapshot: the default
    assert logging.getLogger().level == logging.DEBUG
    cfg.close()


def test_design_md_python_surface(redis_server, writer, monkeypatch):
    """DESIGN.md's "Python surface" block, with a value for every read."""
    writer.publish({**BASE, "REQUEST_TIMEOUT": 45, "LOG_LEVEL": "error"})
    monkeypatch.setenv("REDIS_URL", redis_server.url)

    from omega_config import ConfigKey, create_config_manager, watch_log_level

    cfg = create_config_manager()  # REDIS_URL from the environment
    cfg.require([ConfigKey.REDIS_URL, ConfigKey.SECRET_KEY])
    assert cfg.redis_url == BASE["REDIS_URL"]
    assert cfg.get("request_timeout", 30) == 45
    watch_log_level()
    assert logging.getLogger().level == logging.ERROR
    cfg.close()
