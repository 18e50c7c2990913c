"""OmegaSettingsSource: the live cache as a pydantic-settings source, so an existing
``BaseSettings`` class reads OMEGA settings with its own precedence rules.

    from pydantic_settings import BaseSettings
    from omega_config.settings_source import OmegaSettingsSource

    class OMEGASettings(BaseSettings):
        REQUEST_TIMEOUT: int = 30

        @classmethod
        def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                       dotenv_settings, file_secret_settings):
            # first wins: arguments, then the environment, then the cache, then .env
            return (init_settings, env_settings, OmegaSettingsSource(settings_cls), dotenv_settings)

    OMEGASettings()          # one instance = one read of the cache, validated by the class

Needs pydantic-settings: ``pip install 'omega-config[pydantic-settings]'``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from . import validate as _validate

if TYPE_CHECKING:
    from .manager import ConfigManager


class OmegaSettingsSource(PydanticBaseSettingsSource):
    """The settings of one version of ``cfg`` (default: ``get_config_manager()``, opened from
    the environment on first use), each key matched to a field as pydantic-settings matches an
    environment variable (alias, else env_prefix + name; case ignored unless case_sensitive).
    Keys that match no field and null values are left out, so they never hide a lower source."""

    def __init__(self, settings_cls: type[BaseSettings], cfg: Optional[ConfigManager] = None):
        super().__init__(settings_cls)
        self.cfg = cfg
        self._data: Optional[dict[str, Any]] = None

    def _values(self) -> dict[str, Any]:
        if self._data is None:
            from .manager import get_config_manager

            cfg = self.cfg if self.cfg is not None else get_config_manager()
            self._data, _ = _validate.to_model_input(self.settings_cls, cfg.snapshot(), keep_unknown=False)
        return self._data

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        for names, input_key in _validate.field_names(self.settings_cls):
            if input_key == field_name or field_name in names:
                return self._values().get(input_key), input_key, False
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        self._data = None  # each instantiation reads the version installed now
        return dict(self._values())

    def __repr__(self) -> str:
        return f"OmegaSettingsSource(cfg={self.cfg!r})"
