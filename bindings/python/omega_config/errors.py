"""Exceptions raised by omega_config.

Every one is a ConfigError; each also subclasses the built-in exception a
Python programmer would expect, so ``except AttributeError`` / ``KeyError`` /
``TypeError`` / ``ConnectionError`` keep working.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Optional


class ConfigError(Exception):
    """Base class. ``code`` is the C library's status code (0 if none)."""

    code: int = 0

    def __init__(self, message: str, code: int = 0):
        super().__init__(message)
        self.code = code

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __reduce__(self) -> tuple:
        # BaseException pickles only ``args``: keep ``code`` (and any attributes).
        return (type(self), (str(self), self.code), dict(self.__dict__) or None)


class MissingConfigError(ConfigError, AttributeError, KeyError):
    """One or more keys are absent (or null). ``keys`` names every one."""

    def __init__(self, keys: Iterable[str], message: Optional[str] = None, code: int = -5):
        self.keys = tuple(keys)
        if message is None:
            if len(self.keys) == 1:
                message = f"missing config key {self.keys[0]}"
            else:
                message = "missing config keys: " + ", ".join(self.keys)
        super().__init__(message, code)
        # AttributeError.name: lets tracebacks and tools name the attribute.
        self.name = self.keys[0] if self.keys else None

    def __reduce__(self) -> tuple:
        # args is (message,): rebuild from the keys, not from the message.
        return (type(self), (self.keys, str(self), self.code), dict(self.__dict__) or None)


class ConfigTypeError(ConfigError, TypeError, ValueError):
    """The value exists but cannot be read as the asked type."""


class ConfigUnavailableError(ConfigError, ConnectionError):
    """Redis is unreachable and there is no last-known-good file."""


class InvalidConfigOptionError(ConfigError, ValueError):
    """A bad option or a Redis URL that cannot be parsed."""


class ConfigClosedError(ConfigError, RuntimeError):
    """The manager was closed."""


class SealedValueError(ConfigError):
    """The setting is a sealed secret and this manager has no seal key to open it:
    pass ``seal_key_path=`` (or set ``OMEGA_SEAL_KEY_FILE``) to a copy of the
    writer's seal key file. ``key`` names the setting.

    Deliberately not an AttributeError, KeyError or TypeError: a default
    (``cfg.get(k, d)``, ``getattr(cfg, k, d)``) must not hide a missing key file."""

    def __init__(self, message: str, code: int = -12, key: Optional[str] = None):
        super().__init__(message, code)
        self.key = key

    @classmethod
    def for_key(cls, key: str) -> SealedValueError:
        return cls(
            f"{key} is a sealed secret and this manager has no seal key to open it: pass "
            "seal_key_path= or set OMEGA_SEAL_KEY_FILE to a copy of the writer's seal key file",
            key=key,
        )

    def __reduce__(self) -> tuple:
        return (type(self), (str(self), self.code, self.key), dict(self.__dict__) or None)


class SettingsValidationError(ConfigError, ValueError):
    """A snapshot a pydantic model bound with cfg.bind() refuses. ``errors`` are pydantic's
    errors without the inputs (``[{"type", "loc", "msg"}]``, ``loc[0]`` the snapshot's key), so
    no value, secret or not, ends up in a message or a log."""

    def __init__(self, model: str, version: int, errors: Sequence[Mapping[str, Any]], message: Optional[str] = None):
        self.model = model
        self.version = version
        self.errors = [dict(e) for e in errors]
        if message is None:
            where = "; ".join(f"{'.'.join(map(str, e.get('loc', ()))) or model}: {e.get('msg', '')}" for e in errors)
            message = f"{model} rejects version {version}: {where or 'invalid'}"
        super().__init__(message)

    def __reduce__(self) -> tuple:
        return (type(self), (self.model, self.version, self.errors, str(self)), None)


def from_core(exc: BaseException) -> ConfigError:
    """_core.Error(code, message) -> the public exception for that code."""
    from . import _core

    code, message = exc.args
    cls = {
        _core.E_UNAVAILABLE: ConfigUnavailableError,
        _core.E_BAD_URL: InvalidConfigOptionError,
        _core.E_INVALID_ARG: InvalidConfigOptionError,
        _core.E_TYPE: ConfigTypeError,
        _core.E_SEALED: SealedValueError,
    }.get(code, ConfigError)
    return cls(message, code)
