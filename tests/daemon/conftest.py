"""Fixtures of the omega-settingsd suite: the real daemon binary over real HTTP
(tests/support/daemon.py), a real redis-server (the shared `redis_server` fixture) and a
spy subscriber on config_channel."""

import os
import shutil
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


@pytest.fixture(scope="session")
def c_reader_binary(tmp_path_factory):
    """bindings/c/omega_consumer (the C example reader: libomega_config, a handle that follows
    the published versions and names its connection for the fleet view), compiled with cc
    against the core library of the daemon-test build (the library is built here if needed),
    or against $OMEGA_CORE_LIB_DIR."""
    lib_dir = os.environ.get("OMEGA_CORE_LIB_DIR")
    if not lib_dir:
        build = REPO / "build" / "daemon-test"
        if not (build / "CMakeCache.txt").exists():
            subprocess.run(["cmake", "--preset", "daemon-test"], cwd=REPO, check=True, capture_output=True)
        subprocess.run(
            ["cmake", "--build", str(build), "--target", "omega_config"], cwd=REPO, check=True, capture_output=True
        )
        lib_dir = str(build / "src")
    out = tmp_path_factory.mktemp("c-reader") / "omega_consumer"
    cc = shutil.which("cc") or "gcc"
    source = REPO / "bindings" / "c" / "omega_consumer.c"
    link = [f"-L{lib_dir}", f"-Wl,-rpath,{lib_dir}", "-lomega_config", "-lpthread"]
    subprocess.run(
        [cc, "-std=c99", "-Wall", "-I", str(REPO / "include"), str(source), "-o", str(out), *link], check=True
    )
    return out


@pytest.fixture
def c_reader(c_reader_binary, redis_server):
    """Starts real C readers (omega_consumer KEY) on the test's Redis; stops them after the test."""
    procs = []

    def start(key="LOG_LEVEL", redis=None):
        p = subprocess.Popen(
            [str(c_reader_binary), "-u", (redis or redis_server).url, key],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(p)
        return p

    yield start
    for p in procs:
        p.terminate()
        p.wait(10)


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
