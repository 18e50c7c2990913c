"""ConfigStatus: the health of a ConfigManager (omega_cfg_status)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigStatus:
    state: str  # "READY", "STALE" or "ERROR"
    version: int  # applied version in the C cache; 0 = none
    epoch: str
    ms_since_sync: int  # -1 = never synced
    reloads: int  # versions installed since open
    rejected: int  # snapshots rejected since open
    last_error_code: int
    last_error: str
    # One message per model bound with cfg.bind() that rejected the newest snapshot (and so
    # still serves an older version); () when every bound model is current.
    model_errors: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        return self.state == "READY"
