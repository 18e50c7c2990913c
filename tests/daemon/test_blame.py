"""GET /config/blame: for each key, the version, actor, time and comment that last changed
it, from the durable history (so it survives a restart)."""

from tests.support.daemon import BOB


def blame(d, query=""):
    r = d.request("GET", "/config/blame" + query, token=None)
    assert r.status == 200, r
    return r.json["keys"]


def test_blame_names_the_last_change_of_each_key_across_a_restart(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG", "REQUEST_TIMEOUT": 45}, comment="first").status == 200
    assert daemon.patch({"LOG_LEVEL": "ERROR"}, token=BOB, comment="second").status == 200
    assert daemon.patch({"SECRET_KEY": "another-secret-value-of-32-bytes-or-more!!"}).status == 200
    daemon.stop()
    daemon.start()
    keys = blame(daemon)
    assert keys["LOG_LEVEL"]["version"] == "3" and keys["LOG_LEVEL"]["actor"] == "token-3"
    assert keys["LOG_LEVEL"]["comment"] == "second" and keys["LOG_LEVEL"]["event"] == "updated"
    assert keys["REQUEST_TIMEOUT"]["version"] == "2" and keys["REQUEST_TIMEOUT"]["comment"] == "first"
    assert keys["REQUEST_TIMEOUT"]["actor"] == "alice" and keys["REQUEST_TIMEOUT"]["written_at"].endswith("Z")
    assert keys["SECRET_KEY"]["version"] == "4" and "comment" not in keys["SECRET_KEY"]
    # Keys never changed since the first seed are blamed on it.
    assert keys["SERVICE_NAME"]["version"] == "1" and keys["SERVICE_NAME"]["actor"] == "omega-settingsd"
    assert keys["SERVICE_NAME"]["event"] == "boot"
    assert "another-secret" not in daemon.request("GET", "/config/blame", token=None).body


def test_blame_of_one_key(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}, comment="why").status == 200
    assert blame(daemon, "?key=LOG_LEVEL") == {
        "LOG_LEVEL": {
            "version": "2",
            "event": "updated",
            "actor": "alice",
            "written_at": blame(daemon)["LOG_LEVEL"]["written_at"],
            "comment": "why",
        }
    }
    assert list(blame(daemon, "?key=log_level")) == ["LOG_LEVEL"]
    r = daemon.request("GET", "/config/blame?key=NO_SUCH_KEY", token=None)
    assert r.status == 404 and r.json["error"] == "not_found"


def test_blame_after_a_rollback_names_the_rollback(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    assert daemon.request("POST", "/config/rollback", {"version": 1, "comment": "back"}).status == 200
    line = blame(daemon, "?key=LOG_LEVEL")["LOG_LEVEL"]
    assert line["version"] == "3" and line["event"] == "rollback" and line["comment"] == "back"
