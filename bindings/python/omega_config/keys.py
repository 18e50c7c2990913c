"""ConfigKey: the keys of the bundled example schema (examples/omega.schema.json).

Keep in sync with the schema: tests/python/test_config_key.py compares the
two, and bindings/python/tools/gen_config_key.py rewrites the list below.
Every API also accepts plain strings, in any case.
"""

from __future__ import annotations

import enum
import sys

if sys.version_info >= (3, 11):
    _StrEnum = enum.StrEnum
else:  # pragma: no cover - 3.9/3.10

    class _StrEnum(str, enum.Enum):
        def __str__(self) -> str:
            return str(self.value)

        __format__ = str.__format__


class ConfigKey(_StrEnum):
    """Canonical UPPER_SNAKE_CASE setting names."""

    # BEGIN GENERATED KEYS
    ALERT_WEBHOOK_URL = "ALERT_WEBHOOK_URL"
    FEATURE_NEW_PLANNER = "FEATURE_NEW_PLANNER"
    FEATURE_STREAMING = "FEATURE_STREAMING"
    LLM_TEMPERATURE = "LLM_TEMPERATURE"
    LOG_LEVEL = "LOG_LEVEL"
    MAX_CONCURRENT_TASKS = "MAX_CONCURRENT_TASKS"
    MONGO_URI = "MONGO_URI"
    RATE_LIMIT_PER_MINUTE = "RATE_LIMIT_PER_MINUTE"
    REDIS_URL = "REDIS_URL"
    REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
    SECRET_KEY = "SECRET_KEY"
    SERVICE_NAME = "SERVICE_NAME"
    # END GENERATED KEYS
