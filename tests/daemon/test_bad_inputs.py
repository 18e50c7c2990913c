"""Bad inputs: each gets the right status and a clear JSON error, and each is proven to
change nothing — the .env is byte-identical, the Redis keys are unchanged, the spy saw no
message and no audit record was written."""

import json
import time

import pytest
from helpers import SECRET_VALUES, hmac_header, raw_http

from tests.support.daemon import ALICE

P = "/config/patch"


def post(d, body, **kw):
    return d.request("POST", P, body, **kw)


def raw(d, head: str, body: bytes = b""):
    return raw_http(d.port, head.replace("\n", "\r\n").encode() + b"\r\n" + body)


def status_of(resp):
    if isinstance(resp, bytes):
        return int(resp.split(b" ")[1]) if resp.startswith(b"HTTP/1.1 ") else None
    return resp.status


def error_of(resp):
    if isinstance(resp, bytes):
        return json.loads(resp.partition(b"\r\n\r\n")[2])["error"]
    return resp.json["error"]


AUTH = f"Authorization: Bearer {ALICE}\n"
BIG = b'{"updates":{"SERVICE_NAME":"' + b"a" * 70000 + b'"}}'

CASES = [
    # (id, request, status, error code)
    ("malformed_json", lambda d: post(d, '{"updates":'), 400, "malformed_json"),
    ("trailing_garbage", lambda d: post(d, '{"updates":{}} x'), 400, "malformed_json"),
    ("empty_body", lambda d: post(d, ""), 400, "malformed_json"),
    ("not_an_object", lambda d: post(d, "[1,2]"), 400, "bad_request"),
    ("updates_not_object", lambda d: post(d, '{"updates":["LOG_LEVEL"]}'), 400, "bad_request"),
    ("updates_missing", lambda d: post(d, "{}"), 400, "bad_request"),
    ("unknown_member", lambda d: post(d, '{"updates":{"LOG_LEVEL":"DEBUG"},"force":true}'), 400, "bad_request"),
    (
        "duplicate_key_in_updates",
        lambda d: post(d, '{"updates":{"LOG_LEVEL":"DEBUG","LOG_LEVEL":"ERROR"}}'),
        400,
        "malformed_json",
    ),
    (
        "duplicate_top_level_key",
        lambda d: post(d, '{"updates":{"LOG_LEVEL":"DEBUG"},"updates":{}}'),
        400,
        "malformed_json",
    ),
    (
        "deep_nesting",
        lambda d: post(d, '{"updates":{"LOG_LEVEL":' + "[" * 100 + "]" * 100 + "}}"),
        400,
        "malformed_json",
    ),
    ("non_finite_number", lambda d: post(d, '{"updates":{"LLM_TEMPERATURE":1e400}}'), 400, "malformed_json"),
    ("nan_literal", lambda d: post(d, '{"updates":{"LLM_TEMPERATURE":NaN}}'), 400, "malformed_json"),
    ("nul_escape_in_value", lambda d: post(d, '{"updates":{"SERVICE_NAME":"om\\u0000ega"}}'), 400, "malformed_json"),
    ("invalid_utf8", lambda d: post(d, b'{"updates":{"SERVICE_NAME":"om\xff\xfeega"}}'), 400, "malformed_json"),
    ("lone_surrogate", lambda d: post(d, '{"updates":{"SERVICE_NAME":"\\ud800"}}'), 400, "malformed_json"),
    ("raw_control_char", lambda d: post(d, b'{"updates":{"SERVICE_NAME":"om\x01ega"}}'), 400, "malformed_json"),
    (
        "negative_expected_version",
        lambda d: post(d, '{"updates":{"LOG_LEVEL":"DEBUG"},"expected_version":-1}'),
        400,
        "bad_request",
    ),
    (
        "bad_if_match",
        lambda d: post(d, {"updates": {"LOG_LEVEL": "DEBUG"}}, headers={"If-Match": "banana"}),
        400,
        "bad_request",
    ),
    (
        "content_type_text",
        lambda d: post(d, '{"updates":{"LOG_LEVEL":"DEBUG"}}', content_type="text/plain"),
        415,
        "unsupported_media_type",
    ),
    (
        "content_type_form",
        lambda d: post(d, "updates=1", content_type="application/x-www-form-urlencoded"),
        415,
        "unsupported_media_type",
    ),
    (
        "content_type_missing",
        lambda d: post(d, '{"updates":{"LOG_LEVEL":"DEBUG"}}', content_type=None),
        415,
        "unsupported_media_type",
    ),
    ("oversized_declared", lambda d: post(d, BIG), 413, "payload_too_large"),
    (
        "duplicate_content_length",
        lambda d: raw(
            d,
            f"POST {P} HTTP/1.1\nHost: 127.0.0.1\n{AUTH}Content-Type: application/json\n"
            "Content-Length: 34\nContent-Length: 2\n",
            b'{"updates":{"LOG_LEVEL":"DEBUG"}}',
        ),
        400,
        "bad_request",
    ),
    (
        "transfer_encoding_gzip",
        lambda d: raw(
            d,
            f"POST {P} HTTP/1.1\nHost: 127.0.0.1\n{AUTH}Content-Type: application/json\nTransfer-Encoding: gzip\n",
            b"\x1f\x8b\x08\x00",
        ),
        400,
        "bad_request",
    ),
    ("unknown_key", lambda d: post(d, {"updates": {"NOT_A_SETTING": "x"}}), 422, "validation_failed"),
    ("wrong_type_integer", lambda d: post(d, {"updates": {"REQUEST_TIMEOUT": "abc"}}), 422, "validation_failed"),
    ("wrong_type_boolean", lambda d: post(d, {"updates": {"FEATURE_STREAMING": [True]}}), 422, "validation_failed"),
    ("fractional_integer", lambda d: post(d, {"updates": {"REQUEST_TIMEOUT": 1.5}}), 422, "validation_failed"),
    ("below_minimum", lambda d: post(d, {"updates": {"REQUEST_TIMEOUT": 0}}), 422, "validation_failed"),
    ("above_maximum", lambda d: post(d, {"updates": {"REQUEST_TIMEOUT": 301}}), 422, "validation_failed"),
    ("exclusive_minimum", lambda d: post(d, {"updates": {"MAX_CONCURRENT_TASKS": 0}}), 422, "validation_failed"),
    ("huge_number", lambda d: post(d, {"updates": {"REQUEST_TIMEOUT": 1e300}}), 422, "validation_failed"),
    ("enum_violation", lambda d: post(d, {"updates": {"LOG_LEVEL": "LOUD"}}), 422, "validation_failed"),
    ("pattern_violation", lambda d: post(d, {"updates": {"SERVICE_NAME": "Bad Name"}}), 422, "validation_failed"),
    ("too_long", lambda d: post(d, {"updates": {"SERVICE_NAME": "a" * 64}}), 422, "validation_failed"),
    ("control_char_escape", lambda d: post(d, {"updates": {"SERVICE_NAME": "om\u0007ega"}}), 422, "validation_failed"),
    ("unset_required", lambda d: post(d, {"updates": {"SECRET_KEY": None}}), 422, "validation_failed"),
    (
        "many_errors_at_once",
        lambda d: post(d, {"updates": {"REQUEST_TIMEOUT": 0, "LOG_LEVEL": "LOUD", "NOPE": 1}}),
        422,
        "validation_failed",
    ),
    ("admin_credential_key", lambda d: post(d, {"updates": {"ADMIN_TOKEN": "x" * 40}}), 403, "forbidden_key"),
    (
        "writer_option_key",
        lambda d: post(d, {"updates": {"OMEGA_ADMIN_TOKEN_FILE": "/tmp/mine"}}),
        403,
        "forbidden_key",
    ),
    (
        "stale_expected_version",
        lambda d: post(d, {"updates": {"LOG_LEVEL": "DEBUG"}, "expected_version": 0}),
        409,
        "version_conflict",
    ),
    (
        "stale_if_match",
        lambda d: post(d, {"updates": {"LOG_LEVEL": "DEBUG"}}, headers={"If-Match": '"7"'}),
        412,
        "precondition_failed",
    ),
    ("missing_auth", lambda d: post(d, {"updates": {"LOG_LEVEL": "DEBUG"}}, token=None), 401, "unauthorized"),
    ("bad_token", lambda d: post(d, {"updates": {"LOG_LEVEL": "DEBUG"}}, token=ALICE[:-1] + "b"), 401, "unauthorized"),
    (
        "basic_auth",
        lambda d: post(d, {"updates": {"LOG_LEVEL": "DEBUG"}}, headers={"Authorization": "Basic YWxpY2U6eA=="}),
        401,
        "unauthorized",
    ),
    (
        "hmac_expired",
        lambda d: post(
            d,
            '{"updates":{"LOG_LEVEL":"DEBUG"}}',
            headers={
                "Authorization": hmac_header(
                    ALICE, "alice", "POST", P, b'{"updates":{"LOG_LEVEL":"DEBUG"}}', ts=int(time.time()) - 400
                )
            },
        ),
        401,
        "unauthorized",
    ),
    (
        "hmac_bad_signature",
        lambda d: post(
            d,
            '{"updates":{"LOG_LEVEL":"ERROR"}}',
            headers={"Authorization": hmac_header(ALICE, "alice", "POST", P, b'{"updates":{"LOG_LEVEL":"DEBUG"}}')},
        ),
        401,
        "unauthorized",
    ),
    (
        "hmac_wrong_key",
        lambda d: post(
            d,
            '{"updates":{"LOG_LEVEL":"DEBUG"}}',
            headers={"Authorization": hmac_header("z" * 40, "alice", "POST", P, b'{"updates":{"LOG_LEVEL":"DEBUG"}}')},
        ),
        401,
        "unauthorized",
    ),
    ("reload_without_auth", lambda d: d.request("POST", "/config/reload", token=None), 401, "unauthorized"),
    (
        "rollback_unknown_version",
        lambda d: d.request("POST", "/config/rollback", {"version": 99}),
        404,
        "version_not_found",
    ),
]


def test_there_are_at_least_30_bad_inputs():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name,send,status,code", CASES, ids=[c[0] for c in CASES])
def test_bad_input_changes_nothing(world, daemon, name, send, status, code):
    before = world.capture()
    resp = send(daemon)
    assert status_of(resp) == status, resp
    assert error_of(resp) == code
    if not isinstance(resp, bytes):
        body = resp.json
        assert body["message"], "the error must say what is wrong"
        for secret in SECRET_VALUES:
            assert secret not in resp.body
    world.assert_unchanged(before)


def test_validation_lists_every_error(daemon):
    r = post(daemon, {"updates": {"REQUEST_TIMEOUT": 0, "LOG_LEVEL": "LOUD", "NOPE": 1}})
    assert r.status == 422
    assert sorted(d["key"] for d in r.json["details"]) == ["LOG_LEVEL", "NOPE", "REQUEST_TIMEOUT"]


def test_invalid_secret_is_not_echoed(daemon):
    r = post(daemon, {"updates": {"SECRET_KEY": "short-SECRET-oops"}})
    assert r.status == 422 and r.json["details"][0]["key"] == "SECRET_KEY"
    assert "short-SECRET-oops" not in r.body
    assert "short-SECRET-oops" not in daemon.log()


def test_truncated_body_changes_nothing(world, daemon):
    before = world.capture()
    # Declares 200 bytes, sends 30, then hangs up: the daemon never sees a whole request.
    out = raw_http(
        daemon.port,
        (
            f"POST {P} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ALICE}\r\n"
            "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n"
        ).encode()
        + b'{"updates":{"LOG_LEVEL":"DEBUG"',
        read_timeout=0.5,
    )
    assert out == b""
    world.assert_unchanged(before)


def test_replayed_hmac_request_is_refused(world, daemon):
    body = b'{"updates":{"LOG_LEVEL":"DEBUG"}}'
    auth = hmac_header(ALICE, "alice", "POST", P, body)
    first = post(daemon, body, headers={"Authorization": auth})
    assert first.status == 200 and first.json["version"] == "2"
    before = world.capture()
    again = post(daemon, body, headers={"Authorization": auth})
    assert again.status == 401 and again.json["error"] == "replayed_request"
    world.assert_unchanged(before)
