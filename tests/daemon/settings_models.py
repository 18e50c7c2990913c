"""Settings models as teams write them with pydantic-settings, for the tests that compare the
writer with pydantic: their schemas are generated at test time (model_json_schema()), never
written by hand. Between them they use every type the writer is meant to understand: Enum
classes, Literal, SecretStr, RedisDsn/PostgresDsn/HttpUrl, conint/Field(ge=...), Optional,
list, set, dict, Path."""

import enum
from pathlib import Path
from typing import Literal, Optional

from pydantic import Field, HttpUrl, PostgresDsn, RedisDsn, SecretStr, ValidationError, conint
from pydantic_settings import BaseSettings, SettingsConfigDict


class Color(str, enum.Enum):
    RED = "red"
    GREEN = "green"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


class OnlyTheEnvFile(BaseSettings):
    """Reads the .env it is given and nothing else (not this process's environment)."""

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        return (init_settings, dotenv_settings)


class ServiceSettings(OnlyTheEnvFile):
    """A service's settings, written the way the pydantic-settings documentation shows."""

    model_config = SettingsConfigDict(extra="forbid", case_sensitive=True)

    COLOR: Color = Color.RED
    PRIORITY: Priority = Priority.LOW
    ACCENT: Optional[Color] = None
    MODE: Literal["fast", "safe"] = "safe"
    API_KEY: SecretStr = Field(min_length=8)
    REDIS_URL: RedisDsn = "redis://localhost:6379/0"
    DATABASE_URL: PostgresDsn = "postgresql://app:pw@db:5432/app"
    WEBHOOK_URL: Optional[HttpUrl] = None
    WORKERS: conint(ge=1, le=64) = 4
    TIMEOUT_S: float = Field(default=2.5, gt=0)
    RETRIES: Optional[int] = Field(default=None, ge=0)
    BATCH: int = Field(default=10, multiple_of=5)
    TAGS: list[str] = []
    WEIGHTS: dict[str, float] = {}
    PORTS: set[conint(ge=1, le=65535)] = {80}
    PALETTE: list[Color] = [Color.RED]
    FALLBACK_HOSTS: Optional[list[HttpUrl]] = None
    LIMITS: dict[str, list[int]] = {}
    DATA_DIR: Path = Path("/var/lib/app")


class AgentSettings(OnlyTheEnvFile):
    """A second shape: secrets inside containers, an older-style Literal of ints, required list."""

    model_config = SettingsConfigDict(extra="forbid", case_sensitive=True)

    PROVIDER_KEYS: dict[str, SecretStr] = {}
    FALLBACK_TOKENS: list[SecretStr] = []
    LEVEL: Literal[1, 2, 3] = 2
    STOP_WORDS: list[str] = Field(min_length=1, max_length=4)
    NOTES: Optional[str] = None


REQUIRED = {ServiceSettings: "API_KEY=key-0123456789\n", AgentSettings: "STOP_WORDS='[\"stop\"]'\n"}


def read_with_pydantic(model, env_path):
    """pydantic-settings' own reading of the file (python-dotenv, then json.loads for list and
    dict fields), or the error."""
    try:
        return model(_env_file=str(env_path)), None
    except (ValidationError, ValueError) as e:  # SettingsError is a ValueError: bad JSON text
        return None, e
