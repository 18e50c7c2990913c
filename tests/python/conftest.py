"""Fixtures for the Python binding suite: a real redis-server (the shared
`redis_server` fixture of tests/conftest.py), a plain writer that follows only
the pattern document, managers that are closed after each test, and
omega-settingsd started from the bundled example.

Run through scripts/test-python.sh, which installs the package into a fresh
venv and runs pytest from outside the source tree: what is imported here is
the installed omega_config.
"""

import asyncio
import logging
import pathlib

import omega_config
import omega_config.manager
import pytest
from async_helpers import SLOW_STEP_SECONDS, SlowSteps
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


# -- the async tests (anyio's pytest plugin: @pytest.mark.anyio) ---------------------------------


@pytest.fixture(
    params=[
        pytest.param(("asyncio", {"debug": True}), id="asyncio"),
        pytest.param(("trio", {}), id="trio"),
    ]
)
def anyio_backend(request):
    return request.param


@pytest.fixture
def asyncio_only(anyio_backend_name):
    if anyio_backend_name != "asyncio":
        pytest.skip("asyncio's own API")


@pytest.fixture
async def no_blocking(anyio_backend_name):
    """On asyncio: the loop in debug mode with a short slow-step threshold, and no report of a
    slow step allowed during the test. On trio (no such detector) the tickers prove it."""
    if anyio_backend_name != "asyncio":
        yield None
        return
    loop = asyncio.get_running_loop()
    assert loop.get_debug()
    previous = loop.slow_callback_duration
    loop.slow_callback_duration = SLOW_STEP_SECONDS
    steps = SlowSteps()
    logger = logging.getLogger("asyncio")
    logger.addHandler(steps)
    try:
        yield steps
    finally:
        logger.removeHandler(steps)
        loop.slow_callback_duration = previous
    assert steps.reports == [], f"the event loop was blocked: {steps.reports}"
