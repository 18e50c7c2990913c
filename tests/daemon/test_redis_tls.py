"""The writer over TLS to Redis: rediss:// with the CA, client certificate and name given by
flags or by the URL; a bad TLS setting is refused at start, naming the file."""

import json
import subprocess

import pytest

from tests.support.daemon import env_without_omega
from tests.support.redis_server import RedisServer, redis_keys


@pytest.fixture
def tls_redis(tls_files):
    server = RedisServer(tls=tls_files, auth_clients=True).start()
    yield server
    server.cleanup()


def test_writer_publishes_over_mutual_tls(make_daemon, tls_redis, tls_files):
    d = make_daemon(
        redis=tls_redis,
        args=["--redis-cert-file", tls_files.path("client.crt"), "--redis-key-file", tls_files.path("client.key")],
    )
    assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    snapshot, version, _ = redis_keys(tls_redis)
    assert json.loads(snapshot)["LOG_LEVEL"] == "DEBUG" and version == b"2"
    assert d.request("GET", "/readyz", token=None).status == 200


def test_bad_tls_settings_are_refused_at_start(make_daemon, tls_redis, tls_files):
    d = make_daemon(redis=tls_redis, start=False, args=["--redis-ca-file", "/nonexistent/ca.pem"])
    p = subprocess.run(d.command(), capture_output=True, text=True, timeout=30, env=env_without_omega())
    assert p.returncode != 0 and "/nonexistent/ca.pem" in p.stderr, p.stderr
    plain = make_daemon(start=False, subdir="plain", args=["--redis-ca-file", tls_files.ca])
    p = subprocess.run(plain.command(), capture_output=True, text=True, timeout=30, env=env_without_omega())
    assert p.returncode != 0 and "rediss://" in p.stderr, p.stderr
