"""Fixtures of the omega-settingsd suite: the real daemon binary over real HTTP
(tests/support/daemon.py), a real redis-server (the shared `redis_server` fixture) and a
spy subscriber on config_channel."""

import os
import subprocess

import pytest
from helpers import World

from tests.support.daemon import Daemon
from tests.support.paths import REPO
from tests.support.spy import Spy


@pytest.fixture(scope="session")
def model_check():
    """omega-model-check (the daemon's model on the command line, tests/unit/omega_model_check.cc)
    from $OMEGA_MODEL_CHECK, else from the dev preset (built here if needed)."""
    explicit = os.environ.get("OMEGA_MODEL_CHECK")
    if explicit:
        return explicit
    subprocess.run(["cmake", "--preset", "dev"], cwd=REPO, check=True, capture_output=True)
    subprocess.run(
        ["cmake", "--build", "--preset", "dev", "--target", "omega-model-check"],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return str(REPO / "build" / "dev" / "tests" / "unit" / "omega-model-check")


@pytest.fixture
def make_daemon(redis_server, tmp_path):
    made = []

    def factory(args=(), start=True, redis=None, subdir="d", **kw):
        work = tmp_path / f"{subdir}{len(made)}"
        work.mkdir()
        d = Daemon(work, redis or redis_server, args=args, **kw)
        made.append(d)
        if start:
            d.start()
        return d

    yield factory
    for d in made:
        d.stop()


@pytest.fixture
def daemon(make_daemon):
    return make_daemon()


@pytest.fixture
def spy(redis_server):
    s = Spy(redis_server)
    yield s
    s.close()


@pytest.fixture
def world(daemon, redis_server, spy):
    return World(daemon, redis_server, spy)
