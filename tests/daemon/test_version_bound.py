"""Versions stay within 2^53-1 (exact in a JSON number): a larger or longer value in Redis is
malformed, never adopted, and no version past the bound is ever computed."""

import json

import pytest
from helpers import published

from tests.support.redis_server import redis_keys
from tests.support.waiting import wait_until


@pytest.mark.parametrize("huge", ["9007199254740992", "18446744073709551615", "99999999999999999999"])
def test_a_huge_version_in_redis_is_not_adopted(daemon, redis_server, huge):
    _snap, _, meta = redis_keys(redis_server)
    client = redis_server.client()
    meta_json = json.loads(meta)
    client.mset({"omega:config:version": huge, "omega:config:meta": json.dumps({**meta_json, "version": 0})})
    # The reconciler replaces the malformed version (new epoch) instead of adopting it.
    wait_until(lambda: published(redis_server)[1] not in (huge.encode(),))
    _, version, _new_meta = published(redis_server)
    assert int(version) < 2**53 and int(version) == 2
    assert daemon.config()["version"] == "2"
    r = daemon.patch({"LOG_LEVEL": "DEBUG"})
    assert r.status == 200 and r.json["version"] == "3"


def test_expected_version_beyond_the_bound_is_a_bad_request(daemon):
    r = daemon.patch({"LOG_LEVEL": "DEBUG"}, expected_version="99999999999999999")
    assert r.status == 400 and r.json["error"] == "bad_request"
