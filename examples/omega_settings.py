"""The OMEGA settings model, as a team would declare it with pydantic-settings.

``examples/omega.schema.json`` is exactly ``OMEGASettings.model_json_schema()``; the writer
(omega-settingsd) validates ``examples/omega.env`` against that file, so this class and the
writer agree on every key, type, default and constraint. Regenerate the schema with:

    python examples/omega_settings.py > examples/omega.schema.json

Rules that keep the schema inside the writer's subset (docs/daemon.md, "Schema"):
- fields are named in UPPER_SNAKE_CASE (the .env names; readers see the same names);
- values are scalars (str, int, float, bool, Path, URL and Dsn types, Optional[...]), choices
  (``Literal[...]`` or an ``Enum`` class), or lists, sets and ``dict[str, ...]`` of those, which
  the .env holds as JSON text (``TAGS='["a","b"]'``), as pydantic-settings reads them; no nested
  models, tuples or unions other than Optional;
- secrets are ``SecretStr`` (``"format": "password"``, ``"writeOnly": true``);
- ``extra="forbid"`` (``"additionalProperties": false``): unknown keys are an error;
- what JSON Schema cannot say (an ``HttpUrl`` accepts only http and https, a validator's own
  rules) the writer checks only when started with ``--validate-with "python -m
  omega_config.validate examples.omega_settings:OMEGASettings"``.
"""

import json
from typing import Literal, Optional

from pydantic import Field, HttpUrl, RedisDsn, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class OMEGASettings(BaseSettings):
    model_config = SettingsConfigDict(extra="forbid", case_sensitive=True)

    # Where readers find the snapshot. Not a secret here: put a password in it and it should
    # become SecretStr, like MONGO_URI.
    REDIS_URL: RedisDsn
    # Application secret shared by the services (never the writer's admin credential).
    SECRET_KEY: SecretStr = Field(min_length=32)
    # A MongoDB URI can carry a password (mongodb://user:pass@host), so it is masked.
    MONGO_URI: SecretStr = Field(min_length=1)
    # Python logging level names; "debug" is accepted and stored as "DEBUG".
    LOG_LEVEL: LogLevel = "INFO"
    # Seconds an outbound request may take.
    REQUEST_TIMEOUT: int = Field(default=30, ge=1, le=300)
    MAX_CONCURRENT_TASKS: int = Field(default=8, gt=0, le=1024)
    # Sampling temperature for the agents' language model calls.
    LLM_TEMPERATURE: float = Field(default=0.7, ge=0.0, le=2.0)
    # Feature flags: hot toggles read on every use.
    FEATURE_STREAMING: bool = True
    FEATURE_NEW_PLANNER: bool = False
    # Service name used in logs and metrics.
    SERVICE_NAME: str = Field(default="omega", pattern=r"^[a-z][a-z0-9-]*$", max_length=63)
    # Optional: where alerts are posted; unset means no alerts.
    ALERT_WEBHOOK_URL: Optional[HttpUrl] = None
    # Optional: requests per minute per client; unset means unlimited.
    RATE_LIMIT_PER_MINUTE: Optional[int] = Field(default=None, ge=1)

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _level_name_any_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


if __name__ == "__main__":
    print(json.dumps(OMEGASettings.model_json_schema(), indent=2, sort_keys=True))
