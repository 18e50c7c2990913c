"""The omega_config package (the reader core inside it) logged in as omega-reader, the
read-only Redis user of deploy/redis, with omega-settingsd publishing as omega-writer: it
reads, follows updates and converges after Redis lost its data; on db 0 and on another
database; plain and over TLS. The compose kit's sample reader runs as that user too."""

import os
import queue
import signal
import subprocess
import sys
import threading

import omega_config
import pytest

from tests.support.daemon import example_daemon
from tests.support.paths import REPO
from tests.support.redis_users import PASSWORDS, READER, WRITER, acl_redis, make_users_file, user_url
from tests.support.waiting import wait_until

FAST = dict(poll_interval_ms=200, heartbeat_ms=200, connect_timeout_ms=1000, command_timeout_ms=1000)
SAMPLE_READER = REPO / "deploy" / "container" / "sample_reader.py"


@pytest.fixture
def deployment(request, tmp_path, tls_files):
    """(redis, daemon as omega-writer, db) for the test's `transport` and `db` parameters."""
    transport, db = request.param
    server = acl_redis(make_users_file(tmp_path / "users.acl", db=db), tls=tls_files if transport == "tls" else None)
    work = tmp_path / "daemon"
    work.mkdir()
    daemon = example_daemon(work, server, args=["--redis-url", user_url(server, WRITER, PASSWORDS[WRITER], db=db)])
    try:
        daemon.start()
        yield server, daemon, db
    finally:
        try:
            daemon.stop()
        finally:
            server.cleanup()  # even when the daemon did not stop cleanly


ALL = [("plain", 0), ("plain", 5), ("tls", 0), ("tls", 5)]


@pytest.mark.parametrize("deployment", ALL, indirect=True, ids=lambda p: f"{p[0]}-db{p[1]}")
def test_package_reads_and_follows_updates_as_the_reader_user(deployment):
    server, daemon, db = deployment
    with omega_config.create_config_manager(user_url(server, READER, PASSWORDS[READER], db=db), **FAST) as cfg:
        assert cfg.get("LOG_LEVEL") == "INFO" and cfg.status.state == "READY"
        assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
        wait_until(lambda: cfg.get("LOG_LEVEL") == "DEBUG", what="the patch, read as omega-reader")

        version = cfg.version
        server.restart(keep_data=False)  # data loss: the daemon re-seeds in a new epoch
        wait_until(lambda: cfg.version > version, what="the re-seeded snapshot, read as omega-reader")
        assert cfg.get("LOG_LEVEL") == "DEBUG" and cfg.status.state == "READY"


@pytest.mark.parametrize("deployment", [("plain", 0)], indirect=True, ids=["plain-db0"])
def test_a_reader_that_does_not_log_in_is_refused_and_says_so(deployment):
    server, _, _ = deployment
    with pytest.raises(omega_config.ConfigError) as e:
        omega_config.create_config_manager(f"redis://127.0.0.1:{server.port}/0", **FAST)
    assert "NOAUTH" in str(e.value), str(e.value)


@pytest.mark.parametrize("deployment", [("plain", 0)], indirect=True, ids=["plain-db0"])
def test_compose_sample_reader_runs_as_the_reader_user(deployment):
    server, daemon, _ = deployment
    env = {**os.environ, "REDIS_URL": user_url(server, READER, PASSWORDS[READER])}
    reader = subprocess.Popen([sys.executable, str(SAMPLE_READER)], env=env, stdout=subprocess.PIPE, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in reader.stdout], daemon=True).start()
    try:
        assert lines.get(timeout=20) == "version 1: LOG_LEVEL=INFO\n"
        assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
        assert lines.get(timeout=20) == "version 2: changed LOG_LEVEL; LOG_LEVEL=DEBUG\n"
        reader.send_signal(signal.SIGTERM)
        assert reader.wait(20) == 0
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
