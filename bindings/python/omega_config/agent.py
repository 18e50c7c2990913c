"""BaseAgent: the skeleton of a hot-reloading agent.

class Planner(BaseAgent):
    required = [ConfigKey.REDIS_URL, ConfigKey.SECRET_KEY, "MONGO_URI"]

    def on_config_change(self, changed):
        if "MAX_CONCURRENT_TASKS" in changed:
            self.resize(self.cfg.max_concurrent_tasks)

with Planner() as agent:      # start(): require (fail fast), watch_log_level
    ...

AsyncBaseAgent is the same for asyncio (and trio), with ``async def on_config_change(self,
version, changed)`` run on the event loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Optional

from .logging import LogLevelWatch, watch_log_level
from .manager import ConfigManager, create_config_manager
from .settings import AgentSettings

if TYPE_CHECKING:
    import asyncio

    from .aio import ConfigChanges

# asyncio and .aio are imported by AsyncBaseAgent's methods: a synchronous agent never loads them.


class _AgentCore:
    """What BaseAgent and AsyncBaseAgent share: the class settings, the constructor's
    arguments and the manager they run on."""

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
        self.settings = settings
        self.logger = logger or logging.getLogger(type(self).__name__)
        self._cfg = cfg
        self._owns_cfg = cfg is None
        self._options = options
        self._log_watch: Optional[LogLevelWatch] = None
        self.running = False

    @property
    def cfg(self) -> ConfigManager:
        if self._cfg is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._cfg


class BaseAgent(_AgentCore):
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
        super().__init__(cfg, settings=settings, logger=logger, **options)
        self._lock = threading.Lock()
        self._token: Optional[int] = None

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


class AsyncBaseAgent(_AgentCore):
    """BaseAgent for asyncio (and trio): the same contract (``required`` keys checked at
    start, every missing one named; LOG_LEVEL followed; the manager opened and closed when the
    agent owns it), with async hooks run on the event loop, never on the watcher thread.

    class Planner(AsyncBaseAgent):
        required = [ConfigKey.REDIS_URL, "MONGO_URI"]

        async def on_config_change(self, version, changed):
            if "MAX_CONCURRENT_TASKS" in changed:
                await self.resize(self.cfg.max_concurrent_tasks)

    async with Planner() as agent:    # asyncio: changes are followed in a task
        ...
    await Planner().run()             # asyncio or trio: follows changes until stop() or cancel

    on_config_change runs once at a time, in order; changes that arrive while it runs
    coalesce into the next call (the newest version, the keys changed since the last call:
    see ConfigManager.changes). An exception in it is logged and the agent carries on.
    """

    def __init__(
        self,
        cfg: Optional[ConfigManager] = None,
        *,
        settings: Optional[AgentSettings] = None,
        logger: Optional[logging.Logger] = None,
        **options: Any,
    ):
        """``cfg``: a manager to share (left open at stop); without one, start() opens its
        own on a worker thread with ``options`` and stop() closes it the same way."""
        super().__init__(cfg, settings=settings, logger=logger, **options)
        self._changes: Optional[ConfigChanges] = None
        self._follower: Optional[asyncio.Task[None]] = None

    # -- hooks ----------------------------------------------------------------
    async def on_start(self) -> None:
        """Awaited at the end of start(), with the config checked."""

    async def on_stop(self) -> None:
        """Awaited at the beginning of stop()."""

    async def on_config_change(self, version: int, changed: tuple[str, ...]) -> None:
        """Awaited on the event loop after each new version (coalesced), with the sorted
        names of the keys added, removed or modified since the previous call."""

    # -- lifecycle ------------------------------------------------------------
    async def start(self) -> AsyncBaseAgent:
        """Opens the manager if needed (off the loop), checks ``required``, follows LOG_LEVEL,
        awaits on_start. Changes are followed by run() or ``async with``."""
        if self.running:
            return self
        if self._cfg is None:
            from .aio import open_config_manager

            self._cfg = await open_config_manager(**self._options)
        try:
            self._cfg.require(self.required)  # the local cache only: no I/O
            self._log_watch = watch_log_level(self._cfg, self.log_level_logger)
            # The baseline is taken now: a version installed from here on is not missed.
            self._changes = self._cfg.changes()
            await self.on_start()
        except BaseException:
            await self._release()
            raise
        self.running = True
        return self

    async def run(self) -> None:
        """start(), then on_config_change for each change until stop() (from another task or
        from on_config_change), the manager's close, or cancellation; then stop()."""
        await self.start()
        try:
            await self._follow()
        finally:
            await self.stop()

    async def stop(self) -> None:
        """Ends the following of changes (waiting for a running on_config_change, unless
        called from it), awaits on_stop, closes an owned manager off the loop."""
        if not self.running:
            return
        self.running = False
        if self._changes is not None:
            self._changes.stop()
        follower, self._follower = self._follower, None
        if follower is not None:
            import asyncio

            if follower is not asyncio.current_task():
                await asyncio.wait([follower])  # it ends once its on_config_change returns
        try:
            await self.on_stop()
        finally:
            await self._release()

    async def _follow(self) -> None:
        changes = self._changes
        if changes is None:
            return
        async for change in changes:
            try:
                await self.on_config_change(change.version, change.changed)
            except Exception:
                self.logger.exception("on_config_change failed (version %d)", change.version)

    async def _release(self) -> None:
        changes, self._changes = self._changes, None
        log_watch, self._log_watch = self._log_watch, None
        cfg = self._cfg
        try:
            if changes is not None:
                await changes.aclose()
            if log_watch is not None and cfg is not None and not cfg.closed:
                log_watch.stop()
        finally:
            if self._owns_cfg and cfg is not None:
                self._cfg = None
                await cfg.aclose()

    async def __aenter__(self) -> AsyncBaseAgent:
        import asyncio

        from .aio import _AsyncioLoop, _current_loop

        if not isinstance(_current_loop(), _AsyncioLoop):
            raise TypeError("async with needs asyncio; under trio run the agent in a nursery: start_soon(agent.run)")
        await self.start()
        self._follower = asyncio.get_running_loop().create_task(self._follow())
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.stop()
