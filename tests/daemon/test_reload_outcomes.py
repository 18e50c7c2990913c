"""POST /config/reload answers like a patch: 200 with "published": false when the state
changed but Redis did not take it, write_conflict when Redis is ahead, and 422 details in
the {"key","message"} shape."""

import redis as redis_py

from tests.support.redis_server import redis_keys


def test_reload_when_redis_is_ahead_is_a_write_conflict(make_daemon, redis_server):
    d = make_daemon(args=["--reconcile-interval-ms", "600000"])
    redis_server.client().set("omega:config:version", "50")
    r = d.request("POST", "/config/reload")
    assert r.status == 503 and r.json["error"] == "write_conflict", r
    assert redis_keys(redis_server)[1] == b"50"


def test_reload_that_redis_refuses_reports_published_false(make_daemon, redis_server):
    d = make_daemon(args=["--reconcile-interval-ms", "600000"])
    admin = redis_server.client()
    admin.execute_command("ACL", "SETUSER", "tester", "on", ">tester-pw", "~*", "&*", "+@all")
    tester = redis_py.Redis(host="127.0.0.1", port=redis_server.port, username="tester", password="tester-pw")
    d.env_path.write_text(d.env_path.read_text().replace("LOG_LEVEL=INFO", "LOG_LEVEL=WARNING"))
    tester.execute_command("ACL", "SETUSER", "default", "-set")  # WATCH/GET work, the SETs do not
    try:
        r = d.request("POST", "/config/reload")
    finally:
        tester.execute_command("ACL", "SETUSER", "default", "+@all")
    assert r.status == 200, r
    assert r.json == {"version": "2", "changed": ["LOG_LEVEL"], "published": False}
    assert d.config()["version"] == "2" and d.config()["config"]["LOG_LEVEL"] == "WARNING"
    tester.close()


def test_reload_422_details_have_the_patch_shape(daemon):
    daemon.env_path.write_text(daemon.env_path.read_text().replace("REQUEST_TIMEOUT=30", "REQUEST_TIMEOUT=thirty"))
    r = daemon.request("POST", "/config/reload")
    assert r.status == 422 and r.json["error"] == "invalid_env_file"
    assert all(set(d) == {"key", "message"} for d in r.json["details"]), r.json["details"]
    assert any(d["key"] == "REQUEST_TIMEOUT" for d in r.json["details"])
