"""The config bus has a name of its own: OMEGA_REDIS_URL, then REDIS_URL (which is also an
application setting, cfg.redis_url); and `omega-settingsd --dev` prints the exports a Python
agent and omegactl need, which work as printed."""

import json
import re
import signal
import subprocess
import sys

import omega_config
import pytest

from tests.support.daemon import daemon_binary, env_without_omega
from tests.support.redis_server import free_port

# Nothing listens there: a manager opened on it would serve no snapshot.
NOWHERE = "redis://127.0.0.1:1/0"


@pytest.fixture
def bus_env(monkeypatch):
    monkeypatch.delenv("OMEGA_REDIS_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    return monkeypatch


def test_omega_redis_url_wins_over_redis_url(bus_env, redis_server, writer):
    writer.publish({"REDIS_URL": "redis://app-cache:6379/3", "LOG_LEVEL": "INFO"})
    bus_env.setenv("OMEGA_REDIS_URL", redis_server.url)
    bus_env.setenv("REDIS_URL", NOWHERE)
    with omega_config.create_config_manager() as cfg:
        assert cfg.version == 1
        # The application's REDIS_URL setting is untouched by the bus's variable.
        assert cfg.redis_url == "redis://app-cache:6379/3"


def test_redis_url_is_the_fallback(bus_env, redis_server, writer):
    writer.publish({"LOG_LEVEL": "INFO"})
    bus_env.setenv("REDIS_URL", redis_server.url)
    with omega_config.ConfigManager() as cfg:
        assert cfg.version == 1
    bus_env.setenv("OMEGA_REDIS_URL", "")  # empty counts as unset, as it always did for REDIS_URL
    with omega_config.ConfigManager() as cfg:
        assert cfg.version == 1


def test_an_explicit_url_beats_the_environment(bus_env, redis_server, writer):
    writer.publish({"LOG_LEVEL": "INFO"})
    bus_env.setenv("OMEGA_REDIS_URL", NOWHERE)
    with omega_config.create_config_manager(redis_server.url) as cfg:
        assert cfg.version == 1


def test_dev_mode_prints_exports_that_work_as_printed():
    port = free_port()
    env = env_without_omega()
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen(
        [daemon_binary(), "--dev", "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        banner = ""
        while "Ctrl-C" not in banner:
            line = proc.stdout.readline()
            assert line, f"--dev exited: {proc.stderr.read()}"
            banner += line
        exports = dict(re.findall(r"^  export (OMEGA_[A-Z_]+)='([^']*)'$", banner, re.M))
        assert set(exports) == {"OMEGA_REDIS_URL", "OMEGA_SETTINGS_URL", "OMEGA_ADMIN_TOKEN"}, banner
        assert exports["OMEGA_SETTINGS_URL"] == f"http://127.0.0.1:{port}"
        # A shell with those exports (and an application REDIS_URL that is not the bus).
        shell_env = {**env, **exports, "REDIS_URL": NOWHERE}
        shell_env.pop("PYTHONPATH", None)
        patched = subprocess.run(
            [sys.executable, "-m", "omega_config.ctl", "patch", "REQUEST_TIMEOUT=42"],
            env=shell_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert patched.returncode == 0, patched.stderr
        version = int(json.loads(patched.stdout)["version"])
        read = subprocess.run(
            [
                sys.executable,
                "-c",
                "import omega_config; cfg = omega_config.create_config_manager(); "
                "print(cfg.version, cfg.request_timeout)",
            ],
            env=shell_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert read.returncode == 0, read.stderr
        assert read.stdout.split() == [str(version), "42"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    assert proc.returncode == 0
