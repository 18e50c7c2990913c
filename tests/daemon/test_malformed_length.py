"""`Content-Length: 33, 33` is refused by libmicrohttpd itself before the daemon sees the
request (0.9.75 offers no hook), so its 400 is the library's HTML page (documented in
docs/daemon.md). It must still change nothing."""

from helpers import raw_http

from tests.support.daemon import ALICE


def test_list_valued_content_length_is_400_and_changes_nothing(world, daemon):
    before = world.capture()
    body = b'{"updates":{"LOG_LEVEL":"DEBUG"}}'
    out = raw_http(
        daemon.port,
        (
            f"POST /config/patch HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ALICE}\r\n"
            "Content-Type: application/json\r\nContent-Length: 33, 33\r\n\r\n"
        ).encode()
        + body,
    )
    assert out.startswith(b"HTTP/1.1 400 ")
    world.assert_unchanged(before)
