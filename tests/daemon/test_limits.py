"""Bounds: body cap (configurable), per-address connection limit, idle timeout."""

import pathlib
import socket


def test_body_limit_is_configurable(make_daemon):
    d = make_daemon(args=["--body-limit", "100"])
    body = {"updates": {"SERVICE_NAME": "a" * 120}}
    r = d.patch(body["updates"])
    assert r.status == 413 and "100 bytes" in r.json["message"]
    assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 200


def test_per_address_limit_does_not_lock_out_loopback(make_daemon):
    # Every local client shares one loopback address: a per-address share would let a few
    # of them lock out the rest (the share for other addresses: tests/unit/test_http_rules.cc).
    d = make_daemon(args=["--per-ip-connections", "2"])
    held = [socket.create_connection(("127.0.0.1", d.port)) for _ in range(6)]
    answered = 0
    try:
        for s in held:
            s.settimeout(10)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answered += b"200 OK" in s.recv(4096)
        assert answered == 6
    finally:
        for s in held:
            s.close()


def test_idle_connections_are_closed(make_daemon):
    d = make_daemon(args=["--idle-timeout", "1"])
    s = socket.create_connection(("127.0.0.1", d.port))
    s.settimeout(30)  # bounds a hung test only; the daemon closes after its 1 s idle timeout
    assert s.recv(1) == b"", "the daemon closed the idle connection"
    s.close()


def test_listens_on_loopback_by_default(make_daemon):
    import pytest

    probe = socket.socket()
    try:
        probe.bind(("0.0.0.0", 9421))
    except OSError:
        pytest.skip("port 9421 is busy on this machine")
    finally:
        probe.close()
    d = make_daemon(start=False)
    cmd = d.command()
    i = cmd.index("--listen")
    del cmd[i : i + 2]
    d.command = lambda: cmd
    d.port = 9421
    d.start()
    listening = [
        line.split()[1]
        for line in pathlib.Path("/proc/net/tcp").read_text().splitlines()[1:]
        if line.split()[3] == "0A" and line.split()[1].endswith(":24CD")
    ]
    assert listening == ["0100007F:24CD"], listening  # 127.0.0.1:9421 only
