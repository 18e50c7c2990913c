"""A chunked body that crosses the cap is cut off: the connection is closed at once (no
answer is possible mid-upload in libmicrohttpd 0.9.75), it counts as too_large, and
nothing changes."""

import socket
import time

from helpers import World, metric

from tests.support.daemon import ALICE


def test_endless_chunked_body_over_the_cap_is_cut_off(make_daemon, redis_server, spy):
    d = make_daemon(args=["--body-limit", "1024", "--idle-timeout", "300"])
    world = World(d, redis_server, spy)
    before = world.capture()
    s = socket.create_connection(("127.0.0.1", d.port))
    s.settimeout(1)
    s.sendall(
        (
            f"POST /config/patch HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ALICE}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        ).encode()
    )
    chunk = b"400\r\n" + b"a" * 1024 + b"\r\n"
    closed = False
    deadline = time.monotonic() + 20  # generous: "does not hang", not a timing claim
    try:
        while not closed and time.monotonic() < deadline:
            try:
                s.sendall(chunk)  # never the final 0-size chunk
                closed = s.recv(4096) == b""
            except socket.timeout:
                pass
            except (ConnectionResetError, BrokenPipeError):
                closed = True
    finally:
        s.close()
    assert closed, "the daemon held the over-limit upload open"
    world.assert_unchanged(before)
    assert metric(d, 'omega_settingsd_patches_total{outcome="too_large"}') == 1
