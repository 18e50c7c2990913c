"""GET /ui over plain HTTP: the console's page and files are served from the binary with their
security headers, GET and HEAD only, an unknown file is a 404, and the page needs no
credential while the API behind it still does (the browser flow is test_console.py)."""

import re

import pytest

from tests.support.daemon import ALICE

POLICY = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "connect-src": "'self'",
    "img-src": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "form-action": "'none'",
}
FILES = {
    "/ui/console.css": "text/css",
    "/ui/favicon.svg": "image/svg+xml",
    "/ui/js/app.js": "text/javascript",
    "/ui/js/settings.js": "text/javascript",
}


def policy(response):
    directives = [d.strip().split(None, 1) for d in response.header("Content-Security-Policy").split(";")]
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives if d}


def assert_console_headers(r):
    assert policy(r) == POLICY, r.header("Content-Security-Policy")
    assert r.header("X-Content-Type-Options") == "nosniff"
    assert r.header("Referrer-Policy") == "no-referrer"
    assert r.header("X-Frame-Options") == "DENY"
    assert r.header("Cache-Control") == "no-cache"
    assert re.fullmatch(r'"[0-9a-f]{20}"', r.header("ETag"))


@pytest.mark.parametrize("path", ["/ui", "/ui/", "/ui/index.html"])
def test_the_page_is_served_without_a_token(daemon, path):
    r = daemon.request("GET", path, token=None)
    assert r.status == 200, r
    assert r.header("Content-Type") == "text/html; charset=utf-8"
    assert_console_headers(r)
    assert "<title>omega-settingsd console</title>" in r.body
    # Everything the page loads is its own file under /ui/: no third-party origin, no inline code.
    assert 'src="/ui/js/app.js"' in r.body and 'href="/ui/console.css"' in r.body
    assert not re.search(r"(src|href)=\"(https?:)?//", r.body)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.body), "an inline script"
    assert "<style" not in r.body and " style=" not in r.body and not re.search(r" on[a-z]+=", r.body)


@pytest.mark.parametrize("path, media", FILES.items())
def test_each_file_with_its_type_and_headers(daemon, path, media):
    r = daemon.request("GET", path, token=None)
    assert r.status == 200, r
    assert r.header("Content-Type").split(";")[0] == media
    assert_console_headers(r)
    assert r.body


def test_no_file_reaches_out_to_another_origin(daemon):
    for path in ["/ui/", *FILES]:
        body = daemon.request("GET", path, token=None).body
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", body), path
        assert "innerHTML" not in body and "insertAdjacentHTML" not in body and "document.write" not in body, path


def test_head_gives_the_headers_without_the_body(daemon):
    get = daemon.request("GET", "/ui", token=None)
    head = daemon.request("HEAD", "/ui", token=None)
    assert head.status == 200 and head.body == ""
    assert_console_headers(head)
    assert head.header("ETag") == get.header("ETag")
    assert head.header("Content-Length") == str(len(get.body.encode()))


def test_a_known_etag_is_a_304(daemon):
    etag = daemon.request("GET", "/ui/js/app.js", token=None).header("ETag")
    r = daemon.request("GET", "/ui/js/app.js", token=None, headers={"If-None-Match": etag})
    assert r.status == 304 and r.body == "" and r.header("ETag") == etag
    assert daemon.request("GET", "/ui/js/app.js", token=None, headers={"If-None-Match": '"other"'}).status == 200
    # Each file has its own tag.
    assert daemon.request("GET", "/ui/js/api.js", token=None, headers={"If-None-Match": etag}).status == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_only_get_and_head(daemon, method):
    for path in ["/ui", "/ui/", "/ui/js/app.js"]:
        r = daemon.request(method, path, body="{}", token=ALICE)
        assert r.status == 405, (method, path, r)
        assert r.json["error"] == "method_not_allowed" and r.header("Allow") == "GET, HEAD"


@pytest.mark.parametrize("path", ["/ui/nope.js", "/ui/js/", "/ui/js/../../config", "/uix", "/ui/index.htm"])
def test_an_unknown_file_is_404(daemon, path):
    r = daemon.request("GET", path, token=None)
    assert r.status == 404, r
    assert r.json["error"] == "not_found"


def test_with_read_auth_the_page_is_open_and_the_api_is_not(make_daemon):
    d = make_daemon(args=["--read-auth", "admin"])
    assert d.request("GET", "/ui", token=None).status == 200
    assert d.request("GET", "/ui/js/app.js", token=None).status == 200
    for path in ["/config", "/config/schema", "/config/history", "/config/readers"]:
        assert d.request("GET", path, token=None).status == 401, path
        assert d.request("GET", path, token=ALICE).status == 200, path
    # A patch needs the token whatever --read-auth says; the console's sign-in check is an
    # empty dry run, which changes nothing.
    assert d.patch({}, token=None, dry_run=True).status == 401
    r = d.patch({}, dry_run=True)
    assert r.status == 200 and r.json == {"dry_run": True, "version": "1", "changes": []}


def test_console_answers_are_counted(daemon):
    daemon.request("GET", "/ui", token=None)
    daemon.request("GET", "/ui/nope", token=None)
    body = daemon.request("GET", "/metrics", token=None).body
    assert re.search(r'omega_settingsd_http_responses_total\{code="200"\} [1-9]', body)
    assert re.search(r'omega_settingsd_http_responses_total\{code="404"\} [1-9]', body)
