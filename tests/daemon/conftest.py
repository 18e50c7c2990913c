"""Fixtures of the omega-settingsd suite: the real daemon binary over real HTTP
(tests/support/daemon.py), a real redis-server (the shared `redis_server` fixture) and a
spy subscriber on config_channel."""

import pytest
from helpers import World

from tests.support.daemon import Daemon
from tests.support.spy import Spy


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
