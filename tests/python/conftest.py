"""Fixtures for the Python binding suite: a real redis-server (the shared
`redis_server` fixture of tests/conftest.py), a plain writer that follows only
the pattern document, managers that are closed after each test, and
omega-settingsd started from the bundled example.

Run through scripts/test-python.sh, which installs the package into a fresh
venv and runs pytest from outside the source tree: what is imported here is
the installed omega_config.
"""

import logging
import pathlib

import omega_config
import omega_config.manager
import pytest
from plain_writer import PlainWriter

from tests.support.daemon import example_daemon


def pytest_report_header(config):
    return f"omega_config {omega_config.__version__} from {pathlib.Path(omega_config.__file__).parent}"


@pytest.fixture
def writer(redis_server):
    w = PlainWriter(redis_server.client())
    yield w
    w.close()


@pytest.fixture
def open_manager(redis_server):
    """Opens managers on the test's Redis and closes them after the test."""
    made = []

    def factory(**options):
        cfg = omega_config.create_config_manager(redis_server.url, **options)
        made.append(cfg)
        return cfg

    yield factory
    for cfg in made:
        cfg.close()


@pytest.fixture
def settingsd(redis_server, tmp_path):
    """omega-settingsd, started with the bundled examples/omega.env and its schema."""
    work = tmp_path / "daemon"
    work.mkdir()
    d = example_daemon(work, redis_server)
    d.start()
    yield d
    d.stop()


@pytest.fixture(autouse=True)
def _isolate_process_state():
    """Each test starts without a default manager and ends with the root
    logger's level restored."""
    level = logging.getLogger().level
    yield
    default = omega_config.manager._default
    if default is not None:
        default.close()
    omega_config.manager._default = None
    logging.getLogger().setLevel(level)
