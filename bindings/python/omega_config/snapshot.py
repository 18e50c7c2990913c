"""ConfigSnapshot: one immutable version of the settings as a read-only Mapping."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from . import _core
from .errors import ConfigTypeError, MissingConfigError, SealedValueError

_MISSING: Any = object()


def _decode(text: str, value_type: int) -> Any:
    """The C library's text form of a value -> the Python value."""
    if value_type == _core.TYPE_STRING:
        return text
    if value_type == _core.TYPE_INT:
        return int(text)
    if value_type == _core.TYPE_DOUBLE:
        return float(text)
    if value_type == _core.TYPE_BOOL:
        return text == "true"
    return json.loads(text)  # nested array/object


def canonical(key: Any) -> str:
    """Any-case key (str or ConfigKey) -> the canonical UPPER_SNAKE_CASE str."""
    if not isinstance(key, str):
        raise TypeError(f"config keys are strings, not {type(key).__name__}")
    return key.upper()


class ConfigSnapshot(Mapping):
    """Every key of one version, with typed values. Null-valued keys are absent,
    as they are for the C library's reads. Lookups ignore case.

    A sealed secret that the manager has no seal key for is listed (``in``,
    iteration) but reading it raises SealedValueError.

    Values are shared by every reader of this version: treat nested lists and
    dicts as read-only.
    """

    __slots__ = ("_pin", "_sealed", "_values", "epoch", "version")

    def __init__(self, pin: _core.Snapshot):
        values: dict[str, Any] = {}
        sealed: set[str] = set()
        for key, text, value_type in pin.entries():
            if text is None:
                sealed.add(key)
            elif value_type != _core.TYPE_NULL:
                values[key] = _decode(text, value_type)
        self._values = values
        self._sealed = frozenset(sealed)
        self._pin = pin  # keeps the C snapshot for the typed reads
        self.version: int = pin.version
        self.epoch: str = pin.epoch

    # -- Mapping ---------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            pass
        try:
            return self._values[canonical(key)]
        except KeyError:
            self._refuse_if_sealed(canonical(key))
            raise MissingConfigError([canonical(key)]) from None

    def _refuse_if_sealed(self, name: str) -> None:
        if name in self._sealed:
            raise SealedValueError.for_key(name)

    def __iter__(self) -> Iterator[str]:
        yield from self._values
        yield from sorted(self._sealed)

    def __len__(self) -> int:
        return len(self._values) + len(self._sealed)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        return any(k in self._values or k in self._sealed for k in (key, key.upper()))

    def get(self, key: str, default: Any = None) -> Any:
        values = self._values
        if key in values:
            return values[key]
        name = canonical(key)
        self._refuse_if_sealed(name)
        return values.get(name, default)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # private and dunder names are never settings
            raise AttributeError(name)
        try:
            return self._values[name.upper()]
        except KeyError:
            self._refuse_if_sealed(name.upper())
            raise MissingConfigError([name.upper()]) from None

    def __repr__(self) -> str:
        return f"<ConfigSnapshot version={self.version} keys={len(self)}>"

    # -- typed reads: the C library's conversion rules ------------------------
    def _typed(self, read, key: str, default: Any, type_name: str) -> Any:
        name = canonical(key)
        try:
            value = read(name)
        except _core.Error as exc:
            code, message = exc.args
            if code == _core.E_SEALED:
                raise SealedValueError(message, code, name) from None
            raise ConfigTypeError(f"{name}: {message} (wanted {type_name})", code) from None
        if value is None:
            if default is _MISSING:
                raise MissingConfigError([name])
            return default
        return value

    def get_int(self, key: str, default: Any = _MISSING) -> int:
        return self._typed(self._pin.get_int64, key, default, "an integer")

    def get_float(self, key: str, default: Any = _MISSING) -> float:
        return self._typed(self._pin.get_double, key, default, "a number")

    def get_bool(self, key: str, default: Any = _MISSING) -> bool:
        return self._typed(self._pin.get_bool, key, default, "a boolean")
