"""watch_log_level: LOG_LEVEL from the live settings -> Python logging, now and
on every change. Also exported as omega_config.watch_log_level."""

from __future__ import annotations

import logging
import threading
import weakref
from typing import Any, Optional, Union

from .errors import ConfigClosedError
from .manager import ConfigManager, get_config_manager

LOG_LEVEL = "LOG_LEVEL"
_log = logging.getLogger("omega_config")


def parse_level(value: Any) -> Optional[int]:
    """'debug', 'WARNING', 'warn', 10, '10' -> a logging level; None if invalid."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        level = logging.getLevelName(text.upper())  # name -> int for known names
        return level if isinstance(level, int) else None
    return None


class LogLevelWatch:
    """Returned by watch_log_level; ``stop()`` ends the watching."""

    def __init__(self, cfg: ConfigManager, logger: logging.Logger):
        # Weakly: the manager holds this watch (through its callback), so a
        # strong reference back would keep a dropped manager alive.
        self._cfg_ref = weakref.ref(cfg)
        self.logger = logger
        self._lock = threading.Lock()
        self._token: Optional[int] = None

    @property
    def cfg(self) -> ConfigManager:
        """The watched manager; ConfigClosedError once it has been collected."""
        cfg = self._cfg_ref()
        if cfg is None:
            raise ConfigClosedError("the watched ConfigManager was closed and collected")
        return cfg

    def apply(self, value: Any) -> None:
        """Sets the logger's level from a LOG_LEVEL value; an invalid value
        keeps the current level and logs a warning. Absent: no change."""
        if value is None:
            return
        level = parse_level(value)
        with self._lock:
            if level is None:
                _log.warning(
                    "LOG_LEVEL %r is not a logging level; keeping %s",
                    value,
                    logging.getLevelName(self.logger.level),
                )
                return
            self.logger.setLevel(level)

    def _on_reload(self, version: int, changed: tuple[str, ...]) -> None:
        if LOG_LEVEL in changed:
            self.apply(self.cfg.get(LOG_LEVEL))

    def stop(self) -> None:
        token, self._token = self._token, None
        cfg = self._cfg_ref()
        if token is not None and cfg is not None and not cfg.closed:
            cfg.off_reload(token)


def watch_log_level(
    cfg: Optional[ConfigManager] = None,
    logger: Union[logging.Logger, str, None] = None,
) -> LogLevelWatch:
    """Applies LOG_LEVEL (names in any case, or numbers) to ``logger`` (a Logger
    or a logger name; default: the root logger) now and on every update.
    ``cfg`` defaults to the process's default ConfigManager."""
    if cfg is None:
        cfg = get_config_manager()
    if not isinstance(logger, logging.Logger):
        logger = logging.getLogger(logger)
    watch = LogLevelWatch(cfg, logger)
    # Register before reading, so a change in between is not lost.
    watch._token = cfg.on_reload(watch._on_reload)
    watch.apply(cfg.get(LOG_LEVEL))
    return watch
