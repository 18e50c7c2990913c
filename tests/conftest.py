"""Fixtures every Python-driven suite gets (tests/daemon, tests/python)."""

from tests.support.redis_server import redis_server  # noqa: F401  (the fixture)
from tests.support.tls import tls_files  # noqa: F401  (the fixture)
