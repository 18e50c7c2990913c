"""cfg.bind(Model): a live pydantic model of the settings, re-validated on every reload.

    settings = cfg.bind(OMEGASettings)
    settings.REQUEST_TIMEOUT          # int, validated; the newest valid version
    settings.model                    # the OMEGASettings instance itself (typed for mypy)
    settings.error                    # None, or why the newest snapshot was refused

Snapshot keys are matched to fields as pydantic-settings matches environment variables, by the
code of ``python -m omega_config.validate`` (alias, else env_prefix + name; case ignored unless
the model says case_sensitive), keys that match no field are left out (a service's model
names the settings it uses), and nothing but the snapshot is read: not the environment, not
an env_file.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any, Generic, Optional, TypeVar

from . import validate as _validate
from .errors import ConfigError, SettingsValidationError
from .snapshot import ConfigSnapshot

if TYPE_CHECKING:
    from pydantic import BaseModel

    from .manager import ConfigManager

M = TypeVar("M", bound="BaseModel")


class BoundSettings(Generic[M]):
    """A live, typed view of a ConfigManager through a pydantic model (``cfg.bind(Model)``).

    Attribute reads are the current model's attributes, so each is validated and typed; read
    ``view.model`` once to use several values of one version. Thread-safe: the model is
    replaced with one assignment on the watcher thread."""

    def __init__(self, cfg: ConfigManager, model: type[M]):
        try:
            from pydantic import BaseModel
        except ImportError:
            raise ImportError("cfg.bind needs pydantic 2: pip install 'omega-config[pydantic]'") from None
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise TypeError(f"cfg.bind needs a pydantic model class, not {model!r}")
        self._cfg = cfg
        self._model_cls = model
        self._validator = _validate.snapshot_only(model)  # made once: a subclass per reload would leak
        self._lock = threading.Lock()  # a reload and the first validation may race
        self._seen: Optional[ConfigSnapshot] = None
        self._rejected = 0
        self.error: Optional[SettingsValidationError] = None
        #: The version the model was validated from (0: none yet).
        self.version = 0
        self._model: Optional[M] = None
        ref = weakref.ref(self)

        def revalidate(version: int, changed: tuple[str, ...]) -> None:
            view = ref()
            if view is not None:
                view._revalidate()

        # Register first, then validate: a version installed in between is seen by one of the two.
        self._token: Optional[int] = cfg.on_reload(revalidate)
        self._finalizer = weakref.finalize(self, _unregister, weakref.ref(cfg), self._token)
        self._finalizer.atexit = False
        try:
            # A version whose callbacks were under way at registration would not call
            # revalidate: validate what the C cache holds now (see aio._Wakeup).
            cfg._catch_up_if_stale()
            self._revalidate()
            if self._model is None:
                raise self.error or SettingsValidationError(model.__name__, cfg.version, [])
        except BaseException:
            self.close()
            raise

    def _revalidate(self) -> None:
        with self._lock:
            snap = self._cfg.snapshot()  # the newest installed: a late callback never goes back
            if snap is self._seen:
                return
            self._seen = snap
            instance, errors = _validate.build(self._model_cls, snap, self._validator, keep_unknown=False)
            if instance is None:
                self._rejected += 1
                self.error = SettingsValidationError(self._model_cls.__name__, snap.version, errors)
                return
            self._model = instance  # one assignment: readers see the old model or the new one
            self.version = snap.version
            self.error = None

    # -- reads ------------------------------------------------------------------------------
    @property
    def model(self) -> M:
        """The current model instance (of a subclass of the model that reads only the
        snapshot, so isinstance(view.model, Model) holds)."""
        return self._model  # type: ignore[return-value]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._model, name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._model_cls.model_fields))

    @property
    def valid(self) -> bool:
        """True when the model is the newest snapshot's (no error)."""
        return self.error is None

    @property
    def rejected(self) -> int:
        """How many snapshots the model refused since bind()."""
        return self._rejected

    # -- lifetime ----------------------------------------------------------------------------
    def close(self) -> None:
        """Stops following reloads; the model keeps its last value."""
        self._finalizer()

    def __enter__(self) -> BoundSettings[M]:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "valid" if self.error is None else f"stale: {self.error}"
        return f"<BoundSettings {self._model_cls.__name__} version={self.version} {state}>"


def _unregister(cfg_ref: weakref.ref[ConfigManager], token: Optional[int]) -> None:
    # close(), or the view collected: its callback would only find a dead weak reference.
    cfg = cfg_ref()
    if cfg is None or token is None or cfg.closed:
        return
    try:
        cfg.off_reload(token)
    except (ConfigError, ValueError):
        pass
