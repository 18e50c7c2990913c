"""AgentSettings: an agent's static DNA (name, role, limits), read once from
the environment and a .env file, frozen, never hot-reloaded. Live values that
change at run time belong in the ConfigManager instead.

    class PlannerSettings(AgentSettings):
        env_prefix = "PLANNER_"
        agent_name: str
        max_steps: int = 20
        verbose: bool = False

    settings = PlannerSettings.load()   # PLANNER_AGENT_NAME, PLANNER_MAX_STEPS, ...
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, Optional, Union

from .dotenv import read_dotenv
from .errors import ConfigTypeError, MissingConfigError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_NOT_GIVEN: Any = object()


def _coerce(text: str, annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is Union:  # Optional[X]
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if text == "" and len(args) < len(typing.get_args(annotation)):
            return None
        return _coerce(text, args[0]) if len(args) == 1 else text
    if annotation is bool:
        low = text.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(f"{text!r} is not a boolean")
    if annotation is int:
        return int(text.strip())
    if annotation is float:
        return float(text.strip())
    if annotation is pathlib.Path:
        return pathlib.Path(text)
    return text


class AgentSettings:
    """Base class: subclasses declare annotated fields and become frozen
    dataclasses. Each field is read from ``env_prefix + FIELD_NAME.upper()``."""

    env_prefix: ClassVar[str] = ""
    env_file: ClassVar[Optional[str]] = ".env"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(frozen=True)(cls)

    @classmethod
    def load(
        cls,
        env_file: Union[str, os.PathLike[str], None] = _NOT_GIVEN,
        environ: Optional[Mapping[str, str]] = None,
        **overrides: Any,
    ) -> AgentSettings:
        """Values from ``overrides``, else the environment, else the .env file,
        else the field default. Raises MissingConfigError naming every missing
        field, ConfigTypeError naming every value of the wrong type."""
        if env_file is _NOT_GIVEN:
            env_file = cls.env_file
        # `KEY` without '=' (None) is unset, as pydantic-settings treats it.
        from_file = read_dotenv(env_file) if env_file else {}
        source: dict[str, str] = {k: v for k, v in from_file.items() if v is not None}
        source.update(os.environ if environ is None else environ)
        hints = typing.get_type_hints(cls)
        unknown = set(overrides) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise TypeError(f"{cls.__name__} has no field(s): {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        missing: list[str] = []
        bad: list[str] = []
        for field in dataclasses.fields(cls):
            if field.name in overrides:
                values[field.name] = overrides[field.name]
                continue
            var = cls.env_prefix + field.name.upper()
            if var not in source:
                if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                    missing.append(var)
                continue
            try:
                values[field.name] = _coerce(source[var], hints.get(field.name, str))
            except ValueError as exc:
                bad.append(f"{var}: {exc}")
        if missing:
            raise MissingConfigError(missing, "missing agent settings: " + ", ".join(missing))
        if bad:
            raise ConfigTypeError("invalid agent settings: " + "; ".join(bad))
        return cls(**values)
