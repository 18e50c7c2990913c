"""A Redis error reply (here NOPERM from an ACL change) is "unreachable", not "Redis lost its
data": the reconciler must not bump the version or start a new epoch while it lasts."""

import time

import redis as redis_py
from helpers import published

from tests.support.waiting import wait_until


def test_permission_errors_do_not_bump_the_version(daemon, redis_server):
    _, _, meta = published(redis_server)
    admin = redis_server.client()
    admin.execute_command("ACL", "SETUSER", "tester", "on", ">tester-pw", "~*", "&*", "+@all")
    tester = redis_py.Redis(host="127.0.0.1", port=redis_server.port, username="tester", password="tester-pw")
    tester.execute_command("ACL", "SETUSER", "default", "-@all")  # the daemon's user: NOPERM
    try:
        wait_until(lambda: daemon.request("GET", "/readyz", token=None).status == 503)
        time.sleep(1)  # several reconciler turns (200 ms)
        assert daemon.config()["version"] == "1"
    finally:
        tester.execute_command("ACL", "SETUSER", "default", "+@all")
    wait_until(lambda: daemon.request("GET", "/readyz", token=None).status == 200)
    time.sleep(0.5)
    _, version, after = published(redis_server)
    assert version == b"1" and after["epoch"] == meta["epoch"]
    assert daemon.config()["version"] == "1"
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).json["version"] == "2"
    tester.close()
