"""BaseAgent: the skeleton of a hot-reloading agent.

class Planner(BaseAgent):
    required = [ConfigKey.REDIS_URL, ConfigKey.SECRET_KEY, "MONGO_URI"]

    def on_config_change(self, changed):
        if "MAX_CONCURRENT_TASKS" in changed:
            self.resize(self.cfg.max_concurrent_tasks)

with Planner() as agent:      # start(): require (fail fast), watch_log_level
    ...
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any, ClassVar, Optional

from .logging import LogLevelWatch, watch_log_level
from .manager import ConfigManager, create_config_manager
from .settings import AgentSettings


class BaseAgent:
    #: Keys this agent cannot run without; start() fails fast naming every missing one.
    required: ClassVar[Sequence[str]] = ()
    #: Logger whose level follows LOG_LEVEL (None: the root logger).
    log_level_logger: ClassVar[Optional[str]] = None

    def __init__(
        self,
        cfg: Optional[ConfigManager] = None,
        *,
        settings: Optional[AgentSettings] = None,
        logger: Optional[logging.Logger] = None,
        **options: Any,
    ):
        """``cfg``: a manager to share (left open at stop); without one, start()
        opens its own with ``options`` (see create_config_manager) and stop()
        closes it. ``settings``: the agent's static AgentSettings."""
        self.settings = settings
        self.logger = logger or logging.getLogger(type(self).__name__)
        self._cfg = cfg
        self._owns_cfg = cfg is None
        self._options = options
        self._lock = threading.Lock()
        self._token: Optional[int] = None
        self._log_watch: Optional[LogLevelWatch] = None
        self.running = False

    @property
    def cfg(self) -> ConfigManager:
        if self._cfg is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._cfg

    # -- hooks ----------------------------------------------------------------
    def on_start(self) -> None:
        """Called at the end of start(), with the config checked."""

    def on_stop(self) -> None:
        """Called at the beginning of stop()."""

    def on_config_change(self, changed: tuple[str, ...]) -> None:
        """Called on the watcher thread after each new version, with the sorted
        names of the keys added, removed or modified. Keep it short."""

    # -- lifecycle ------------------------------------------------------------
    def start(self) -> BaseAgent:
        with self._lock:
            if self.running:
                return self
            if self._cfg is None:
                self._cfg = create_config_manager(**self._options)
            try:
                self._cfg.require(self.required)
                self._log_watch = watch_log_level(self._cfg, self.log_level_logger)
                self._token = self._cfg.on_reload(self._config_changed)
                self.on_start()
            except BaseException:
                self._teardown()
                raise
            self.running = True
            return self

    def stop(self) -> None:
        # Only the bookkeeping happens under the lock: off_reload waits for a
        # running on_config_change, which may itself call stop() (and would
        # then block on the lock forever).
        with self._lock:
            if not self.running:
                return
            self.running = False
            try:
                self.on_stop()
            finally:
                parts = self._detach()
        self._release(*parts)

    def _teardown(self) -> None:
        self._release(*self._detach())

    def _detach(self) -> tuple[Optional[ConfigManager], Optional[int], Optional[LogLevelWatch], bool]:
        """Takes the manager, token and log watch out of the agent (under the lock)."""
        cfg, token, log_watch = self._cfg, self._token, self._log_watch
        self._token = None
        self._log_watch = None
        owns = self._owns_cfg and cfg is not None
        if owns:
            self._cfg = None
        return cfg, token, log_watch, owns

    @staticmethod
    def _release(
        cfg: Optional[ConfigManager], token: Optional[int], log_watch: Optional[LogLevelWatch], owns: bool
    ) -> None:
        """Unregisters and closes what _detach took (without the lock)."""
        try:
            if cfg is not None and not cfg.closed:
                if token is not None:
                    cfg.off_reload(token)
                if log_watch is not None:
                    log_watch.stop()
        finally:
            if owns and cfg is not None:
                cfg.close()

    def _config_changed(self, version: int, changed: tuple[str, ...]) -> None:
        self.on_config_change(changed)

    def __enter__(self) -> BaseAgent:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
