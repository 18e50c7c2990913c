"""ConfigManager: attribute access to the live settings held by the C cache.

Fast reads: the manager's instance ``__dict__`` *is* a per-version cache. Each
installed version becomes one dict, built once (canonical and lower-case
names -> typed values) and installed with a single ``__dict__`` assignment by
the reload callback; the ConfigSnapshot of the same version is stored after
it. The C base class _core.AttrView looks in that dict first, so
``cfg.redis_url`` costs one dict lookup and never mixes two versions, and
``cfg.get`` is a builtin bound to that version's lookup dict; only a miss
reaches Python (``_missing``, ``ConfigSnapshot.get``).
"""

from __future__ import annotations

import itertools
import os
import threading
import weakref
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

from . import _core
from .errors import (
    ConfigClosedError,
    ConfigError,
    MissingConfigError,
    from_core,
)
from .snapshot import _MISSING, ConfigSnapshot, canonical
from .status import ConfigStatus

if TYPE_CHECKING:
    import asyncio

    from pydantic import BaseModel

    from .aio import ConfigChanges
    from .binding import BoundSettings

    M = TypeVar("M", bound=BaseModel)

ReloadCallback = Callable[[int, tuple[str, ...]], Any]

# The same options as omega_cfg_options (zero / None = the C default).
#: The C library's options (omega_cfg_options), as keyword arguments of create_config_manager.
OPTION_NAMES = tuple(name for name in _core.OPTION_NAMES if name != "redis_url")


class ConfigManager(_core.AttrView):
    """Live settings. Read with ``cfg.redis_url``, ``cfg.get("x", 1)``,
    ``cfg.get_int(...)``; react with ``cfg.on_reload(fn)``.

    Thread-safe: share one manager between threads. A name that clashes with
    a method (``get``, ``version``, ...) is read with ``cfg.get("GET")`` or
    the upper-case attribute ``cfg.GET``.
    """

    # __dict__: the settings of one version; _state: its ConfigSnapshot.
    # _callbacks: on_reload's functions by key, _keys: token -> key. The C
    # library holds only a trampoline with a weak reference to the manager, so
    # a callback that refers to the manager makes a cycle the GC can collect.
    # _close_listeners: woken by close() (async waiters); _bindings: bind()'s views, weakly.
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_bindings",
        "_callbacks",
        "_close_listeners",
        "_handle",
        "_keys",
        "_lock",
        "_state",
    )

    def __init__(self, redis_url: Optional[str] = None, **options: Any):
        unknown = sorted(set(options) - set(OPTION_NAMES))
        if unknown:
            raise TypeError(f"unknown option(s): {', '.join(unknown)}; known: {', '.join(OPTION_NAMES)}")
        if redis_url is None:
            redis_url = bus_url_from_environment()
        if options.get("seal_key_path") is None and os.environ.get("OMEGA_SEAL_KEY_FILE"):
            options["seal_key_path"] = os.environ["OMEGA_SEAL_KEY_FILE"]
        try:
            handle = _core.Handle.open(redis_url=redis_url, **options)
        except _core.Error as exc:
            raise from_core(exc) from None
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_lock", threading.Lock())
        object.__setattr__(self, "_state", None)
        object.__setattr__(self, "_callbacks", {})
        object.__setattr__(self, "_keys", {})
        object.__setattr__(self, "_close_listeners", {})
        object.__setattr__(self, "_bindings", weakref.WeakSet())
        # Register first, then load: a version installed in between is then
        # seen by the callback, and the later of the two loads wins.
        handle.on_reload(_refresher(weakref.ref(self)))
        self._refresh()

    # -- the per-version cache ------------------------------------------------
    def _refresh(self) -> None:
        with self._lock:  # pins and installs in the same order
            try:
                snap = ConfigSnapshot(self._handle.snapshot())
            except _core.Error as exc:
                if self._handle.closed:
                    return  # a callback still in flight while closing: keep the last version
                raise from_core(exc) from None
            lookup: dict[str, Any] = {}
            for key, value in snap._values.items():
                lookup[key] = value
                lookup[key.lower()] = value
            attrs = {n: v for n, v in lookup.items() if n not in _RESERVED and not n.startswith("_")}
            # cfg.get: a builtin bound to this version's lookup, found in the
            # dict like a setting, so a call allocates no bound method. (It
            # refers to the snapshot, not to the manager: no reference cycle.)
            attrs["get"] = _core.bind_get(lookup, snap.get)
            # Settings first, then the version: whoever sees version N reads >= N.
            object.__setattr__(self, "__dict__", attrs)
            object.__setattr__(self, "_state", snap)

    def _catch_up(self, version: int) -> None:
        state = self._state
        if state is None or state.version != version:
            self._refresh()

    # -- reads ----------------------------------------------------------------
    if TYPE_CHECKING:  # for type checkers only: settings are dynamic attributes

        def __getattr__(self, name: str) -> Any: ...

    def _missing(self, name: str) -> Any:
        # Called by _core.AttrView when no attribute has this name.
        if name.startswith("_"):
            raise AttributeError(name)
        state = self._state
        key = name.upper()
        if state is not None:
            value = state._values.get(key, _MISSING)
            if value is not _MISSING:
                return value
            state._refuse_if_sealed(key)
        raise MissingConfigError([key])

    def __getitem__(self, key: str) -> Any:
        return self._state[key]

    def __contains__(self, key: object) -> bool:
        return key in self._state

    # get(key, default=None): per version, a _core.bind_get in the attribute
    # dict; before the first version, _core.AttrView.get, which falls back to
    # this (any case, reserved names, absent keys).
    def _get_slow(self, key: str, default: Any = None) -> Any:
        return self._state.get(key, default)

    def get_int(self, key: str, default: Any = _MISSING) -> int:
        """An integer (JSON integer or a string holding exactly one). Raises
        MissingConfigError when absent and no default, ConfigTypeError when not
        an integer."""
        return self._state.get_int(key, default)

    def get_float(self, key: str, default: Any = _MISSING) -> float:
        return self._state.get_float(key, default)

    def get_bool(self, key: str, default: Any = _MISSING) -> bool:
        """true/false/1/0/yes/no/on/off in any case, or a JSON boolean."""
        return self._state.get_bool(key, default)

    def snapshot(self) -> ConfigSnapshot:
        """Every setting of one version, as a read-only Mapping."""
        return self._state

    @property
    def version(self) -> int:
        """The version that reads on this manager return (0 = none yet)."""
        return self._state.version

    @property
    def status(self) -> ConfigStatus:
        """The C cache's health, plus why a bound model (bind()) keeps an older version."""
        model_errors = tuple(str(view.error) for view in list(self._bindings) if view.error is not None)
        return ConfigStatus(**self._call(self._handle.status), model_errors=model_errors)

    @property
    def closed(self) -> bool:
        return self._handle.closed

    # -- contract -------------------------------------------------------------
    def require(self, keys: Iterable[str]) -> None:
        """Fails with MissingConfigError naming every absent key. The keys are
        remembered: a later snapshot lacking one is rejected (the last good
        one stays)."""
        if isinstance(keys, str):
            keys = [keys]
        names = list(dict.fromkeys(canonical(k) for k in keys))
        if not names:
            return
        try:
            self._call(self._handle.require, names)
        except ConfigError as exc:
            if exc.code != _core.E_MISSING_KEYS:
                raise
            pin = self._handle.snapshot()
            missing = [n for n in names if pin.get(n) is None]
            if missing:
                raise MissingConfigError(missing) from None
            raise MissingConfigError(names, str(exc)) from None
        self._catch_up_if_stale()

    def _catch_up_if_stale(self) -> None:
        # require() checks the C cache, which may be a version ahead of the
        # attribute cache: make reads agree with what was just checked.
        try:
            pin_version = self._handle.snapshot().version
        except _core.Error:
            return
        if pin_version != self._state.version:
            self._refresh()

    # -- reload callbacks -----------------------------------------------------
    def on_reload(self, fn: ReloadCallback, *, loop: Optional[asyncio.AbstractEventLoop] = None) -> int:
        """Calls ``fn(version, changed_keys)`` on the watcher thread after each
        new version; reads inside see that version. Returns a token for
        off_reload. An exception in ``fn`` goes to sys.unraisablehook.

        With ``loop``: ``fn`` runs on that asyncio loop instead (handed over with
        call_soon_threadsafe); a coroutine function's coroutine becomes a task,
        one per version; exceptions go to the loop's exception handler. Once the
        loop is closed the callback unregisters itself."""
        if not callable(fn):
            raise TypeError("on_reload needs a callable")
        set_token: Optional[Callable[[int], None]] = None
        if loop is not None:
            from .aio import loop_callback

            fn, set_token = loop_callback(self, fn, loop)
        ref = weakref.ref(self)

        def call(version: int, changed: tuple[str, ...]) -> None:
            manager = ref()
            if manager is not None:
                manager._catch_up(version)
            fn(version, changed)

        call.__qualname__ = f"on_reload({getattr(fn, '__qualname__', repr(fn))})"
        key = next(_callback_keys)
        self._callbacks[key] = call  # before registering: it may run at once
        try:
            token = self._call(self._handle.on_reload, _dispatcher(ref, key))
        except BaseException:
            self._callbacks.pop(key, None)
            raise
        self._keys[token] = key
        if set_token is not None:
            set_token(token)
        return token

    def off_reload(self, token: int) -> None:
        """Unregisters; waits for the callback if it is running (unless called
        from inside it). Raises ValueError for an unknown token."""
        try:
            self._call(self._handle.off_reload, token)
        except ConfigError as exc:
            if exc.code == _core.E_NO_SUCH_TOKEN:
                raise ValueError(f"no reload callback with token {token}") from None
            raise
        key = self._keys.pop(token, None)
        if key is not None:
            self._callbacks.pop(key, None)

    # -- async ----------------------------------------------------------------
    def changes(self) -> ConfigChanges:
        """``async for change in cfg.changes():`` one ConfigChange(version, changed,
        snapshot) per step, from the version installed when changes() was called.
        Coalesced: a step is the newest version at the time the consumer asks, and
        ``changed`` lists the keys whose value differs from the previous step. Ends
        (StopAsyncIteration) when the manager closes; cancellation, ``break`` plus
        ``aclose()``/``async with`` unregister. See docs/python.md, "asyncio"."""
        from .aio import ConfigChanges

        return ConfigChanges(self)

    async def wait_for_version(self, version: int, timeout: Optional[float] = None) -> int:
        """Waits, without blocking the loop, until reads return ``version`` or newer;
        returns the version reached. TimeoutError after ``timeout`` seconds,
        ConfigClosedError if the manager closes first."""
        from .aio import wait_for_version

        return await wait_for_version(self, version, timeout)

    async def aclose(self) -> None:
        """close() on a worker thread: closing joins the watcher thread."""
        from .aio import close_config_manager

        await close_config_manager(self)

    async def __aenter__(self) -> ConfigManager:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    # -- pydantic ---------------------------------------------------------------
    def bind(self, model: type[M]) -> BoundSettings[M]:
        """A live, validated instance of the pydantic ``model``, re-validated on each
        reload; an invalid snapshot keeps the last good one (``view.error`` says why,
        and so does ``cfg.status.model_errors``). Raises SettingsValidationError when
        the current snapshot is not valid. See docs/python.md, "pydantic"."""
        from .binding import BoundSettings

        view = BoundSettings(self, model)
        self._bindings.add(view)
        return view

    # -- lifetime -------------------------------------------------------------
    def close(self) -> None:
        """Stops the watcher. Reads keep returning the last version."""
        self._handle.close()
        # The C library has dropped every callback: drop the functions too (they may hold
        # the manager, or an event loop), then wake the async waiters.
        self._callbacks.clear()
        self._keys.clear()
        for listener in list(self._close_listeners.values()):
            listener()

    def _on_close(self, fn: Callable[[], None]) -> int:
        # For async waiters: fn() runs in the thread that closes, once; it must not block.
        key = next(_callback_keys)
        self._close_listeners[key] = fn
        return key

    def _off_close(self, key: int) -> None:
        self._close_listeners.pop(key, None)

    def __enter__(self) -> ConfigManager:
        return self

    # -- not copyable -----------------------------------------------------------
    # A manager owns a watcher thread and Redis connections: a copy could only
    # be a second, silently diverging manager, and pickle has nothing to save.
    def __reduce__(self) -> Any:
        raise TypeError("share the ConfigManager; it cannot be copied")

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError("share the ConfigManager; it cannot be copied")

    def __copy__(self) -> ConfigManager:
        raise TypeError("share the ConfigManager; it cannot be copied")

    def __deepcopy__(self, memo: Any) -> ConfigManager:
        raise TypeError("share the ConfigManager; it cannot be copied")

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _call(self, method: Callable[..., Any], *args: Any) -> Any:
        if self._handle.closed:
            raise ConfigClosedError("the ConfigManager is closed")
        try:
            return method(*args)
        except _core.Error as exc:
            raise from_core(exc) from None

    # -- read-only ------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"ConfigManager is read-only (settings change through the writer): {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"ConfigManager is read-only: {name}")

    def __dir__(self) -> Sequence[str]:
        keys = [k.lower() for k in (self._state or ())]
        return sorted(set(super().__dir__()) | set(keys))

    def __repr__(self) -> str:
        state = self._state
        closed = " closed" if self._handle.closed else ""
        if state is None:
            return f"<ConfigManager{closed}>"
        return f"<ConfigManager version={state.version} keys={len(state)}{closed}>"


# Names the class defines: a setting with one of these names is not copied
# into the attribute dict, where it would hide the method.
_RESERVED = frozenset(n for n in dir(ConfigManager))


def _refresher(ref: weakref.ref[ConfigManager]) -> ReloadCallback:
    # Holds the manager weakly: the C library owns this function, and a strong
    # reference would keep the manager (and its watcher) alive forever.
    def refresh(version: int, changed: tuple[str, ...]) -> None:
        manager = ref()
        if manager is not None:
            manager._catch_up(version)

    return refresh


_callback_keys = itertools.count(1)


def _dispatcher(ref: weakref.ref[ConfigManager], key: int) -> ReloadCallback:
    # What the C library holds for an on_reload callback: the manager weakly
    # and a key into its _callbacks, where the user's function lives (seen by
    # the GC). A manager dropped with callbacks that refer to it is collected,
    # and its handle closed (a close on the watcher thread is handed off).
    def dispatch(version: int, changed: tuple[str, ...]) -> None:
        manager = ref()
        if manager is None:
            return
        call = manager._callbacks.get(key)
        del manager
        if call is not None:
            call(version, changed)

    return dispatch


#: Environment variables naming the config bus, first set one wins. OMEGA_REDIS_URL is the bus's own
#: name (the writer reads it too); REDIS_URL, the pattern document's, is also an application setting
#: (``cfg.redis_url``) and is read only when OMEGA_REDIS_URL is unset.
BUS_URL_VARIABLES = ("OMEGA_REDIS_URL", "REDIS_URL")


def bus_url_from_environment() -> Optional[str]:
    """The Redis URL of the config bus from the environment, or None (the C default)."""
    for name in BUS_URL_VARIABLES:
        value = os.environ.get(name)
        if value:
            return value
    return None


_default_lock = threading.Lock()
_default: Optional[ConfigManager] = None


def _forget_default_in_child() -> None:
    # A manager belongs to the process that opened it: in a child of fork() the inherited one
    # serves what it had and follows nothing. The child's default is a manager of its own,
    # opened on first use; and a lock another thread held at fork() must not stay held.
    global _default, _default_lock
    _default_lock = threading.Lock()
    _default = None


os.register_at_fork(after_in_child=_forget_default_in_child)


def create_config_manager(redis_url: Optional[str] = None, **options: Any) -> ConfigManager:
    """Opens a ConfigManager. The Redis URL comes from ``redis_url``, else the
    ``OMEGA_REDIS_URL`` environment variable, else ``REDIS_URL`` (default
    redis://127.0.0.1:6379/0); ``options`` are the C library's options (see
    OPTION_NAMES); ``seal_key_path`` defaults to the ``OMEGA_SEAL_KEY_FILE``
    environment variable. The first manager opened becomes the default one that
    watch_log_level() uses."""
    global _default
    cfg = ConfigManager(redis_url, **options)
    with _default_lock:
        if _default is None or _default.closed:
            _default = cfg
    return cfg


def get_config_manager() -> ConfigManager:
    """The default manager of this process, opened from the environment if there is none
    (after fork(), a child opens its own on first use)."""
    global _default
    with _default_lock:
        if _default is None or _default.closed:
            _default = ConfigManager()
        return _default
