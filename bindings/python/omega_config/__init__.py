"""omega_config: the live OMEGA settings for Python agents.

    from omega_config import create_config_manager, ConfigKey, watch_log_level
    cfg = create_config_manager()                     # the bus: $OMEGA_REDIS_URL, else $REDIS_URL
    cfg.require([ConfigKey.REDIS_URL, ConfigKey.SECRET_KEY])
    cfg.redis_url                                     # MissingConfigError if absent
    cfg.get("request_timeout", 30)                    # tolerant read
    watch_log_level()                                 # LOG_LEVEL now and on every update

Reads come from a local cache of the snapshot that omega-settingsd publishes
to Redis; the C++ core (compiled in as omega_config._core) keeps it fresh.
"""

from typing import TYPE_CHECKING

from . import _core
from .agent import AsyncBaseAgent, BaseAgent
from .errors import (
    ConfigClosedError,
    ConfigError,
    ConfigTypeError,
    ConfigUnavailableError,
    InvalidConfigOptionError,
    MissingConfigError,
    SealedValueError,
    SettingsValidationError,
)
from .keys import ConfigKey
from .logging import LogLevelWatch, watch_log_level
from .manager import BUS_URL_VARIABLES, OPTION_NAMES, ConfigManager, create_config_manager, get_config_manager
from .settings import AgentSettings
from .snapshot import ConfigSnapshot
from .status import ConfigStatus

#: Version of the compiled-in C library; the package is built from the same header, so the
#: two are one number.
core_version = _core.version_string()
__version__ = core_version

if TYPE_CHECKING:
    from .aio import ConfigChange, ConfigChanges, open_config_manager
    from .binding import BoundSettings

# The async API (asyncio) and bind (pydantic) load on first use: a synchronous reader never
# imports asyncio, and pydantic stays optional.
_LAZY = {
    "ConfigChange": "aio",
    "ConfigChanges": "aio",
    "open_config_manager": "aio",
    "BoundSettings": "binding",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'omega_config' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{module}", __name__), name)


__all__ = [
    "BUS_URL_VARIABLES",
    "OPTION_NAMES",
    "AgentSettings",
    "AsyncBaseAgent",
    "BaseAgent",
    "BoundSettings",
    "ConfigChange",
    "ConfigChanges",
    "ConfigClosedError",
    "ConfigError",
    "ConfigKey",
    "ConfigManager",
    "ConfigSnapshot",
    "ConfigStatus",
    "ConfigTypeError",
    "ConfigUnavailableError",
    "InvalidConfigOptionError",
    "LogLevelWatch",
    "MissingConfigError",
    "SealedValueError",
    "SettingsValidationError",
    "create_config_manager",
    "get_config_manager",
    "open_config_manager",
    "watch_log_level",
]
