"""omega_config: the live OMEGA settings for Python agents.

    from omega_config import create_config_manager, ConfigKey, watch_log_level
    cfg = create_config_manager()                     # REDIS_URL from the environment
    cfg.require([ConfigKey.REDIS_URL, ConfigKey.SECRET_KEY])
    cfg.redis_url                                     # MissingConfigError if absent
    cfg.get("request_timeout", 30)                    # tolerant read
    watch_log_level()                                 # LOG_LEVEL now and on every update

Reads come from a local cache of the snapshot that omega-settingsd publishes
to Redis; the C++ core (compiled in as omega_config._core) keeps it fresh.
"""
from . import _core
from .agent import BaseAgent
from .errors import (
    ConfigClosedError,
    ConfigError,
    ConfigTypeError,
    ConfigUnavailableError,
    InvalidConfigOptionError,
    MissingConfigError,
)
from .keys import ConfigKey
from .logging import LogLevelWatch, watch_log_level
from .manager import OPTION_NAMES, ConfigManager, create_config_manager, get_config_manager
from .settings import AgentSettings
from .snapshot import ConfigSnapshot
from .status import ConfigStatus

__version__ = "0.1.0"
#: Version of the compiled-in C library ("0.1.0").
core_version = _core.version_string()

__all__ = [
    "AgentSettings",
    "BaseAgent",
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
    "OPTION_NAMES",
    "create_config_manager",
    "get_config_manager",
    "watch_log_level",
]
