"""HMAC nonces live in memory: a request signed before a restart must not be replayable
after it, so timestamps earlier than the daemon's start are refused."""

import time

from helpers import World, hmac_header

from tests.support.daemon import ALICE

P = "/config/patch"


def test_signed_request_cannot_be_replayed_after_a_restart(daemon, redis_server, spy):
    body = b'{"updates":{"LOG_LEVEL":"DEBUG"}}'
    auth = hmac_header(ALICE, "alice", "POST", P, body)
    assert daemon.request("POST", P, body, headers={"Authorization": auth}).status == 200
    assert daemon.patch({"LOG_LEVEL": "INFO"}).status == 200  # an admin reverts it
    time.sleep(1.1)  # the restart lands in a later second than the signature's ts
    daemon.stop()
    daemon.start()
    world = World(daemon, redis_server, spy)
    before = world.capture()
    again = daemon.request("POST", P, body, headers={"Authorization": auth})
    assert again.status == 401 and again.json["error"] == "unauthorized", again
    assert "start" in again.json["message"]
    world.assert_unchanged(before)
    fresh = hmac_header(ALICE, "alice", "POST", P, body)
    assert daemon.request("POST", P, body, headers={"Authorization": fresh}).status == 200
