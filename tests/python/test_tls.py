"""TLS to Redis (reader guarantee 13) for the reader library, through the Python package:
a real redis-server with --tls-port and the plain port off, certificates made with openssl.
Every failure names its cause."""

import time

import omega_config
import pytest

from tests.support.redis_server import RedisServer
from tests.support.waiting import wait_until

FAST = dict(poll_interval_ms=200, heartbeat_ms=200, connect_timeout_ms=1000, command_timeout_ms=1000)


@pytest.fixture
def tls_redis(tls_files):
    server = RedisServer(tls=tls_files).start()
    yield server
    server.cleanup()


def seed(server, level="INFO", version=1):
    server.client().mset({"omega:config": f'{{"LOG_LEVEL":"{level}"}}', "omega:config:version": str(version)})
    server.client().publish("config_channel", "{}")


def open_error(url, **options):
    with pytest.raises(omega_config.ConfigError) as e:
        omega_config.create_config_manager(url, **{**FAST, **options})
    return str(e.value)


def test_reader_over_tls_with_ca_from_the_url_follows_updates(tls_redis):
    seed(tls_redis)
    cfg = omega_config.create_config_manager(tls_redis.url, **FAST)
    try:
        assert cfg.get("LOG_LEVEL") == "INFO"
        seed(tls_redis, "DEBUG", 2)
        wait_until(lambda: cfg.get("LOG_LEVEL") == "DEBUG", what="the update over TLS")
        assert cfg.status.state == "READY"
    finally:
        cfg.close()


def test_tls_options_override_the_url(tls_redis, tls_files):
    seed(tls_redis)
    url = f"rediss://127.0.0.1:{tls_redis.port}/0?ssl_ca_certs={tls_files.path('wrong-ca.crt')}"
    cfg = omega_config.create_config_manager(url, tls_ca_file=tls_files.ca, tls_server_name="localhost", **FAST)
    assert cfg.get("LOG_LEVEL") == "INFO"
    cfg.close()


def test_wrong_ca_is_refused_and_says_so(tls_redis, tls_files):
    url = f"rediss://127.0.0.1:{tls_redis.port}/0?ssl_ca_certs={tls_files.path('wrong-ca.crt')}"
    message = open_error(url)
    assert "not accepted" in message and "CA is not trusted" in message, message


def test_expired_certificate_is_refused_and_says_so(tls_files):
    server = RedisServer(tls=tls_files, cert="expired").start()
    try:
        assert "certificate has expired" in open_error(server.url)
    finally:
        server.cleanup()


def test_host_name_mismatch_is_refused_and_says_so(tls_files):
    server = RedisServer(tls=tls_files, cert="other-name").start()
    try:
        assert "mismatch" in open_error(server.url)  # "IP address mismatch" for 127.0.0.1
        # ... unless the name to verify is the certificate's (SNI + verification name).
        cfg = omega_config.create_config_manager(server.url, tls_server_name="other.example", **FAST)
        cfg.close()
    finally:
        server.cleanup()


def test_plain_server_on_a_tls_url_and_the_reverse_name_the_cause(redis_server, tls_redis, tls_files):
    tls_url_to_plain = f"rediss://127.0.0.1:{redis_server.port}/0?ssl_ca_certs={tls_files.ca}"
    assert "plain-text port" in open_error(tls_url_to_plain)
    assert "TLS-only port" in open_error(f"redis://127.0.0.1:{tls_redis.port}/0")


def test_mutual_tls_needs_the_client_certificate(tls_files):
    server = RedisServer(tls=tls_files, auth_clients=True).start()
    try:
        seed(server)
        message = open_error(server.url)
        assert "client certificate" in message, message
        cfg = omega_config.create_config_manager(
            server.url, tls_cert_file=tls_files.path("client.crt"), tls_key_file=tls_files.path("client.key"), **FAST
        )
        assert cfg.get("LOG_LEVEL") == "INFO"
        cfg.close()
    finally:
        server.cleanup()


def test_bad_tls_options_are_clear_errors(redis_server, tls_redis, tls_files):
    with pytest.raises(omega_config.InvalidConfigOptionError) as e:
        omega_config.create_config_manager(redis_server.url, tls_ca_file=tls_files.ca)
    assert "rediss://" in str(e.value)
    with pytest.raises(omega_config.InvalidConfigOptionError) as e:
        omega_config.create_config_manager(tls_redis.url, tls_ca_file="/nonexistent/ca.pem")
    assert "/nonexistent/ca.pem" in str(e.value)
    with pytest.raises(omega_config.InvalidConfigOptionError) as e:
        omega_config.create_config_manager(tls_redis.url, tls_cert_file=tls_files.path("client.crt"))
    assert "key" in str(e.value)


def test_reconnect_redoes_the_handshake(tls_redis):
    seed(tls_redis)
    cfg = omega_config.create_config_manager(tls_redis.url, **FAST)
    try:
        tls_redis.restart(keep_data=False)
        wait_until(lambda: cfg.status.state == "STALE", what="STALE while Redis is empty")
        seed(tls_redis, "ERROR", 7)
        wait_until(lambda: cfg.get("LOG_LEVEL") == "ERROR", what="converged after the restart over TLS")
    finally:
        cfg.close()


def test_close_is_prompt_during_a_hung_handshake(tls_redis):
    seed(tls_redis)
    # Handshakes may take 30 s; a lost PING is noticed in 1 s.
    cfg = omega_config.create_config_manager(tls_redis.url, **{**FAST, "connect_timeout_ms": 30000})
    tls_redis.pause()  # the kernel still accepts connections; the TLS handshake never ends
    try:
        wait_until(lambda: cfg.status.state == "STALE", what="the watcher reconnecting into a hung handshake")
        time.sleep(0.5)
        started = time.monotonic()
        cfg.close()
        assert time.monotonic() - started < 5, "close waited for the 30 s handshake timeout"
    finally:
        tls_redis.resume()
