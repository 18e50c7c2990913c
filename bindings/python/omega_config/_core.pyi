"""Private binding of include/omega_config.h. Use the omega_config package."""

from typing import Any, Callable, Optional, Union

class Error(RuntimeError):
    """args == (code: int, message: str); code is an omega_status."""

class AttrView:
    """Base class: attribute reads look in the instance __dict__ first (in C);
    a miss calls self._missing(name)."""

    def get(self, key: str, default: Any = None) -> Any:
        """The instance __dict__ for a str key, else self._get_slow(key, default)."""

class Snapshot:
    """One pinned, immutable version; released when collected."""

    @property
    def version(self) -> int: ...
    @property
    def epoch(self) -> str: ...
    def __len__(self) -> int: ...
    def get(self, key: str) -> Optional[str]: ...
    def get_int64(self, key: str) -> Optional[int]: ...
    def get_double(self, key: str) -> Optional[float]: ...
    def get_bool(self, key: str) -> Optional[bool]: ...
    def type(self, key: str) -> Optional[int]: ...
    def entries(self) -> list[tuple[str, str, int]]: ...

class Handle:
    """An open omega_cfg handle and its watcher thread."""

    @staticmethod
    def open(
        *,
        redis_url: Optional[str] = None,
        namespace_prefix: Optional[str] = None,
        config_key: Optional[str] = None,
        version_key: Optional[str] = None,
        meta_key: Optional[str] = None,
        channel: Optional[str] = None,
        connect_timeout_ms: int = 0,
        command_timeout_ms: int = 0,
        poll_interval_ms: int = 0,
        heartbeat_ms: int = 0,
        reconnect_max_ms: int = 0,
        last_known_good_path: Optional[str] = None,
        max_snapshot_bytes: int = 0,
    ) -> Handle: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    def snapshot(self) -> Snapshot: ...
    def require(self, keys: list[str]) -> None: ...
    def on_reload(self, fn: Callable[[int, tuple[str, ...]], object]) -> int: ...
    def off_reload(self, token: int) -> None: ...
    def status(self) -> dict[str, Union[str, int]]: ...
    def get(self, key: str) -> Optional[str]: ...
    def get_int64(self, key: str) -> Optional[int]: ...
    def get_double(self, key: str) -> Optional[float]: ...
    def get_bool(self, key: str) -> Optional[bool]: ...

def bind_get(lookup: dict[str, Any], slow: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    """A get(key, default=None) answering from lookup, else slow(key, default)."""

def version_string() -> str: ...
def version_number() -> int: ...
def strerror(status: int) -> str: ...
def state_name(state: int) -> str: ...
def close_all() -> None: ...

HEADER_VERSION_NUMBER: int
E_INVALID_ARG: int
E_NOT_FOUND: int
E_BUFFER_TOO_SMALL: int
E_TYPE: int
E_MISSING_KEYS: int
E_UNAVAILABLE: int
E_BAD_URL: int
E_NOMEM: int
E_INTERNAL: int
E_BAD_SNAPSHOT: int
E_NO_SUCH_TOKEN: int
TYPE_STRING: int
TYPE_JSON: int
TYPE_INT: int
TYPE_DOUBLE: int
TYPE_BOOL: int
TYPE_NULL: int
