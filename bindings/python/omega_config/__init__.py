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

#: Version of the compiled-in C library; the package is built from the same header, so the
#: two are one number.
core_version = _core.version_string()
__version__ = core_version

__all__ = [
    "OPTION_NAMES",
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
    "create_config_manager",
    "get_config_manager",
    "watch_log_level",
]
