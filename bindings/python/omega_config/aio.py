"""Async clients of a ConfigManager: ``cfg.changes()``, ``cfg.wait_for_version(n)``,
``cfg.on_reload(fn, loop=loop)``, ``await open_config_manager()``.

The C library runs reload callbacks on its watcher thread. Every callback here only hands a
wake-up to the event loop with a thread-safe, non-blocking call (asyncio's
``call_soon_threadsafe``, trio's ``TrioToken.run_sync_soon``) and returns; everything else
runs on the loop. The loop itself never waits for anything but a registration (a mutex) or
the end of one of those tiny callbacks (off_reload), and what may block (opening a manager,
closing it) runs on a worker thread. A hand-off that races with the loop's shutdown is
dropped, never raised into the watcher thread.

asyncio is the default; under trio (detected, never imported by us) the same API works.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import threading
import time
import weakref
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Optional, Union

from .errors import ConfigClosedError, ConfigError
from .snapshot import ConfigSnapshot

if TYPE_CHECKING:
    from .manager import ConfigManager

AsyncReloadCallback = Callable[[int, tuple[str, ...]], Union[Awaitable[Any], Any]]


class ConfigChange(NamedTuple):
    """One step of ``cfg.changes()``: the version now installed, the keys whose value differs
    from the previous step (added, removed or modified; sorted), and that version's snapshot."""

    version: int
    changed: tuple[str, ...]
    snapshot: ConfigSnapshot


# -- the event loop, whichever it is ------------------------------------------------------


class _AsyncioLoop:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> bool:
        """From any thread. False once the loop is closed (the consumer is gone)."""
        try:
            self.loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # "Event loop is closed": a hand-off racing with shutdown
            return False
        return True

    def event(self) -> Any:
        return asyncio.Event()

    async def wait(self, event: Any, timeout: Optional[float]) -> bool:
        if timeout is None:
            await event.wait()
            return True
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    async def run_in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    async def run_in_thread_shielded(self, fn: Callable[..., Any], *args: Any) -> Any:
        # As trio's shielded scope: a cancellation waits for fn to end on its thread, then is
        # raised, so what fn closes is closed once the cancelled task has ended.
        done = asyncio.ensure_future(self.run_in_thread(fn, *args))
        cancelled = False
        while not done.done():
            try:
                await asyncio.shield(done)
            except asyncio.CancelledError:
                cancelled = True
        if cancelled:
            raise asyncio.CancelledError
        return done.result()


class _TrioLoop:
    def __init__(self, trio: Any):
        self.trio = trio
        self.token = trio.lowlevel.current_trio_token()

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> bool:
        try:
            self.token.run_sync_soon(fn, *args)
        except self.trio.RunFinishedError:
            return False
        return True

    def event(self) -> Any:
        return self.trio.Event()

    async def wait(self, event: Any, timeout: Optional[float]) -> bool:
        if timeout is None:
            await event.wait()
            return True
        with self.trio.move_on_after(timeout):
            await event.wait()
            return True
        return False

    async def run_in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await self.trio.to_thread.run_sync(fn, *args)

    async def run_in_thread_shielded(self, fn: Callable[..., Any], *args: Any) -> Any:
        with self.trio.CancelScope(shield=True):
            return await self.trio.to_thread.run_sync(fn, *args)


def _current_loop() -> Union[_AsyncioLoop, _TrioLoop]:
    """The event loop this coroutine runs on. Without sniffio: asyncio first, then trio if it
    has been imported (trio-asyncio code sees asyncio)."""
    try:
        return _AsyncioLoop(asyncio.get_running_loop())
    except RuntimeError:
        pass
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            return _TrioLoop(trio)
        except RuntimeError:
            pass
    raise RuntimeError("omega_config's async API needs a running asyncio or trio event loop")


# -- the wake-up: watcher thread -> loop -----------------------------------------------------


class _Wakeup:
    """Registered on the manager: each reload and the manager's close set an event on the
    loop. The C library holds only a weak reference to this object (through the function it
    is given), so an abandoned waiter does not keep running; ``cancel()`` unregisters."""

    def __init__(self, cfg: ConfigManager, loop: Union[_AsyncioLoop, _TrioLoop]):
        self.cfg = cfg
        self.loop = loop
        self.event = loop.event()
        ref = weakref.ref(self)

        def poke(*_: Any) -> None:  # watcher thread (reloads) or the closing thread
            me = ref()
            if me is not None:
                me.loop.call_soon(me._set)

        # Close listener first: a close between the two registrations is then seen.
        self._close_key: Optional[int] = cfg._on_close(poke)
        try:
            self._token: Optional[int] = cfg.on_reload(poke)
        except ConfigClosedError:
            self._token = None  # closed already: the close listener has poked
        except BaseException:
            self.cancel()
            raise
        # A version whose callbacks were already under way when poke was registered never
        # calls it, and the attribute cache may not have it yet: bring the cache up to the C
        # cache's version now, so the caller's first look at the manager sees it.
        cfg._catch_up_if_stale()

    def _set(self) -> None:  # on the loop
        self.event.set()

    def rearm(self) -> Any:
        """A fresh event for the next wait (trio's cannot be cleared). Called on the loop
        between two checks of the manager, so no wake-up is lost."""
        if self.event.is_set():
            self.event = self.loop.event()
        return self.event

    def cancel(self) -> None:
        """Unregisters. On the loop this waits at most for a running ``poke`` (microseconds)."""
        token, self._token = self._token, None
        key, self._close_key = self._close_key, None
        if key is not None:
            self.cfg._off_close(key)
        if token is not None and not self.cfg.closed:
            try:
                self.cfg.off_reload(token)
            except (ConfigError, ValueError):
                pass  # closed meanwhile: its callbacks are gone with it


# -- changes() ----------------------------------------------------------------------------


def _diff(old: ConfigSnapshot, new: ConfigSnapshot) -> tuple[str, ...]:
    a, b = old._values, new._values
    return tuple(sorted(k for k in a.keys() | b.keys() if a.get(k, _ABSENT) != b.get(k, _ABSENT)))


_ABSENT: Any = object()


class ConfigChanges(AsyncIterator[ConfigChange]):
    """``async for change in cfg.changes()``: see ConfigManager.changes. Also an async context
    manager (``async with cfg.changes() as changes:``), whose exit unregisters at once."""

    def __init__(self, cfg: ConfigManager):
        self._cfg = cfg
        # The baseline: the first change yielded is relative to the version seen now.
        self._seen = cfg.snapshot()
        self._gen: Optional[AsyncIterator[ConfigChange]] = None
        self._wakeup: Optional[_Wakeup] = None
        self._stopped = False

    def stop(self) -> None:
        """Ends the iteration from another task of the same loop: a consumer waiting in
        ``async for`` gets StopAsyncIteration (a change not yet taken is dropped)."""
        self._stopped = True
        if self._wakeup is not None:
            self._wakeup._set()

    def __aiter__(self) -> ConfigChanges:
        return self

    async def __anext__(self) -> ConfigChange:
        if self._gen is None:
            self._gen = self._run()
        return await self._gen.__anext__()

    async def aclose(self) -> None:
        """Ends the iteration and unregisters (also done by cancellation, the manager's
        close, and the loop's shutdown of abandoned async generators)."""
        self.stop()
        gen, self._gen = self._gen, _ended()
        # A generator another task waits in cannot be closed from here ("already running"):
        # stop() has woken it, and it ends (and unregisters) by itself.
        if gen is not None and not getattr(gen, "ag_running", False):
            await gen.aclose()  # type: ignore[attr-defined]

    async def __aenter__(self) -> ConfigChanges:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def _run(self) -> AsyncIterator[ConfigChange]:
        # An async generator: cancellation at the await, aclose(), and the loop's finalizer
        # of abandoned generators all run the finally, which unregisters.
        cfg = self._cfg
        wakeup = self._wakeup = _Wakeup(cfg, _current_loop())
        try:
            while not self._stopped:
                event = wakeup.rearm()
                current = cfg.snapshot()  # the version installed last: reads agree with it
                if current is not self._seen:
                    changed = _diff(self._seen, current)
                    if changed or current.version != self._seen.version:
                        self._seen = current
                        yield ConfigChange(current.version, changed, current)
                        continue
                    self._seen = current
                if cfg.closed:
                    return
                await wakeup.loop.wait(event, None)
        finally:
            self._wakeup = None
            wakeup.cancel()


async def _ended() -> AsyncIterator[ConfigChange]:
    return
    yield  # an async generator that is already over


# -- wait_for_version() -----------------------------------------------------------------


async def wait_for_version(cfg: ConfigManager, version: int, timeout: Optional[float] = None) -> int:
    """See ConfigManager.wait_for_version."""
    reached = cfg.version
    if reached >= version:
        return reached
    loop = _current_loop()
    wakeup = _Wakeup(cfg, loop)
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        while True:
            event = wakeup.rearm()
            reached = cfg.version
            if reached >= version:
                return reached
            if cfg.closed:
                raise ConfigClosedError(f"the ConfigManager was closed at version {reached}, before version {version}")
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not await loop.wait(event, remaining):
                raise TimeoutError(f"version {version} not reached within {timeout} s (at version {cfg.version})")
    finally:
        wakeup.cancel()


# -- on_reload(fn, loop=...) --------------------------------------------------------------


def loop_callback(
    cfg: ConfigManager, fn: AsyncReloadCallback, loop: asyncio.AbstractEventLoop
) -> tuple[Callable[[int, tuple[str, ...]], None], Callable[[int], None]]:
    """(the watcher-thread callback that runs ``fn`` on ``loop``, a setter for its token).

    ``fn`` is called on the loop; what it returns, if awaitable (a coroutine function's
    coroutine), becomes a task: one per version. Once the loop is closed the callback
    unregisters itself (off_reload from inside a callback never waits)."""
    tasks: set[asyncio.Task[Any]] = set()  # running tasks are kept, or the GC may take them
    ref = weakref.ref(cfg)
    token: list[int] = []

    def done(task: asyncio.Task[Any]) -> None:
        tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            loop.call_exception_handler(
                {"message": f"exception in on_reload coroutine {fn!r}", "exception": task.exception(), "task": task}
            )

    def on_loop(version: int, changed: tuple[str, ...]) -> None:
        result = fn(version, changed)
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(result, loop=loop)
            tasks.add(task)
            task.add_done_callback(done)

    def hand_off(version: int, changed: tuple[str, ...]) -> None:  # the watcher thread
        try:
            loop.call_soon_threadsafe(on_loop, version, changed)
        except RuntimeError:  # the loop is closed: nobody will run fn again
            manager = ref()
            if manager is not None and token:
                try:
                    manager.off_reload(token[0])
                except (ConfigError, ValueError):
                    pass

    return hand_off, token.append


# -- opening without blocking the loop --------------------------------------------------------


async def open_config_manager(redis_url: Optional[str] = None, **options: Any) -> ConfigManager:
    """``create_config_manager`` on a worker thread: the open connects to Redis and waits for
    the first snapshot, which must not block the event loop. Cancelled, it closes the manager
    the open produces once it finishes."""
    from .manager import create_config_manager

    loop = _current_loop()
    lock = threading.Lock()
    state: dict[str, Any] = {"abandoned": False, "cfg": None}

    def open_it() -> ConfigManager:
        cfg = create_config_manager(redis_url, **options)
        with lock:
            if not state["abandoned"]:
                state["cfg"] = cfg
                return cfg
        cfg.close()  # nobody waits for it any more
        return cfg

    try:
        return await loop.run_in_thread(open_it)  # type: ignore[no-any-return]
    except BaseException:
        with lock:
            state["abandoned"] = True
            cfg = state["cfg"]
        if cfg is not None:  # opened just as we were cancelled: close it off the loop
            threading.Thread(target=cfg.close, name="omega-config-close", daemon=True).start()
        raise


async def close_config_manager(cfg: ConfigManager) -> None:
    """``cfg.close()`` on a worker thread: closing joins the watcher thread. Cancellation does
    not interrupt the close: it is raised once the close has finished."""
    if not cfg.closed:
        await _current_loop().run_in_thread_shielded(cfg.close)
