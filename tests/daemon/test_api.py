"""Every endpoint and its status codes, over real HTTP against the real daemon and Redis."""

import json

from helpers import SECRET_VALUES

from tests.support.daemon import ALICE
from tests.support.redis_server import redis_keys
from tests.support.spy import Spy
from tests.support.waiting import wait_until


def test_get_config_is_masked_with_etag(daemon):
    r = daemon.request("GET", "/config", token=None)
    assert r.status == 200
    body = r.json
    assert body["version"] == "1"
    assert r.header("ETag") == '"1"'
    cfg = body["config"]
    assert cfg["SECRET_KEY"] == "**********" and cfg["MONGO_URI"] == "**********"
    assert cfg["REQUEST_TIMEOUT"] == 30 and cfg["FEATURE_STREAMING"] is True and cfg["LLM_TEMPERATURE"] == 0.7
    assert cfg["RATE_LIMIT_PER_MINUTE"] is None


def test_if_none_match_gives_304_until_the_version_changes(daemon):
    assert daemon.request("GET", "/config", token=None, headers={"If-None-Match": '"1"'}).status == 304
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    r = daemon.request("GET", "/config", token=None, headers={"If-None-Match": '"1"'})
    assert r.status == 200 and r.header("ETag") == '"2"'


def test_head_config(daemon):
    r = daemon.request("HEAD", "/config", token=None)
    assert r.status == 200 and r.body == ""


def test_patch_publishes_snapshot_version_meta_and_message(daemon, redis_server, spy):
    r = daemon.patch({"LOG_LEVEL": "debug", "REQUEST_TIMEOUT": 45})
    assert r.status == 200, r
    # The spy is the one subscriber the message reached.
    assert r.json == {"version": "2", "changed": ["LOG_LEVEL", "REQUEST_TIMEOUT"], "subscribers": 1}
    snap, version, meta = redis_keys(redis_server)
    cfg = json.loads(snap)
    assert cfg["LOG_LEVEL"] == "DEBUG" and cfg["REQUEST_TIMEOUT"] == 45
    assert version == b"2"
    meta = json.loads(meta)
    import hashlib

    assert meta["version"] == 2 and meta["sha256"] == hashlib.sha256(snap).hexdigest() and meta["epoch"]
    assert meta["written_at"].endswith("Z")
    msgs = [json.loads(m) for m in spy.drain()]
    assert msgs == [
        {"event": "updated", "version": "2", "prev_version": "1", "changed": ["LOG_LEVEL", "REQUEST_TIMEOUT"]}
    ]
    text = daemon.env_path.read_text()
    assert "LOG_LEVEL=DEBUG" in text and "REQUEST_TIMEOUT=45" in text
    assert "# trailing comment kept byte-for-byte" in text and text.index("REDIS_URL") < text.index("SECRET_KEY")


def test_patch_keeps_comments_and_order_of_untouched_lines(daemon):
    before = daemon.env_path.read_text().splitlines()
    assert daemon.patch({"MAX_CONCURRENT_TASKS": 9}).status == 200
    after = daemon.env_path.read_text().splitlines()
    assert len(before) == len(after)
    diff = [(a, b) for a, b in zip(before, after) if a != b]
    assert diff == [("MAX_CONCURRENT_TASKS=8", "MAX_CONCURRENT_TASKS=9")]


def test_null_unsets_back_to_the_default(daemon, redis_server):
    assert daemon.patch({"REQUEST_TIMEOUT": 99}).status == 200
    r = daemon.patch({"REQUEST_TIMEOUT": None})
    assert r.status == 200 and r.json["changed"] == ["REQUEST_TIMEOUT"]
    assert "REQUEST_TIMEOUT" not in daemon.env_path.read_text()
    assert json.loads(redis_keys(redis_server)[0])["REQUEST_TIMEOUT"] == 30


def test_optional_key_set_then_unset(daemon):
    assert daemon.patch({"RATE_LIMIT_PER_MINUTE": 120}).status == 200
    assert daemon.config()["config"]["RATE_LIMIT_PER_MINUTE"] == 120
    assert daemon.patch({"RATE_LIMIT_PER_MINUTE": None}).status == 200
    assert daemon.config()["config"]["RATE_LIMIT_PER_MINUTE"] is None


def test_noop_patch_does_not_bump_the_version(daemon, redis_server, spy):
    env_before = daemon.env_path.read_bytes()
    keys_before = redis_keys(redis_server)
    r = daemon.patch({"LOG_LEVEL": "INFO", "REQUEST_TIMEOUT": 30})
    assert r.status == 200 and r.json == {"version": "1", "changed": []}
    assert daemon.env_path.read_bytes() == env_before
    assert redis_keys(redis_server) == keys_before
    assert spy.drain() == []


def test_expected_version_and_if_match(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}, expected_version=1).status == 200
    r = daemon.patch({"LOG_LEVEL": "ERROR"}, expected_version=1)
    assert r.status == 409 and r.json["error"] == "version_conflict"
    assert daemon.patch({"LOG_LEVEL": "ERROR"}, expected_version="2").status == 200
    r = daemon.request("POST", "/config/patch", {"updates": {"LOG_LEVEL": "INFO"}}, headers={"If-Match": '"2"'})
    assert r.status == 412 and r.json["error"] == "precondition_failed"
    r = daemon.request("POST", "/config/patch", {"updates": {"LOG_LEVEL": "INFO"}}, headers={"If-Match": '"3"'})
    assert r.status == 200 and r.json["version"] == "4"


def test_reload_republishes_the_same_version(daemon, spy, redis_server):
    r = daemon.request("POST", "/config/reload")
    assert r.status == 200 and r.json == {"version": "1", "changed": [], "subscribers": 1}
    assert [json.loads(m) for m in spy.drain()] == [
        {"event": "reload", "version": "1", "prev_version": "1", "changed": []}
    ]
    assert redis_keys(redis_server)[1] == b"1"


def test_reload_picks_up_a_hand_edited_env(daemon, spy):
    text = daemon.env_path.read_text().replace("LOG_LEVEL=INFO", "LOG_LEVEL=WARNING")
    daemon.env_path.write_text(text)
    r = daemon.request("POST", "/config/reload")
    assert r.status == 200 and r.json == {"version": "2", "changed": ["LOG_LEVEL"], "subscribers": 1}
    assert json.loads(spy.drain()[-1])["event"] == "reload"


def test_reload_refuses_an_invalid_hand_edit(daemon, spy, redis_server):
    keys = redis_keys(redis_server)
    daemon.env_path.write_text(daemon.env_path.read_text().replace("REQUEST_TIMEOUT=30", "REQUEST_TIMEOUT=thirty"))
    r = daemon.request("POST", "/config/reload")
    assert r.status == 422 and r.json["error"] == "invalid_env_file"
    assert any(d["key"] == "REQUEST_TIMEOUT" for d in r.json["details"])
    assert redis_keys(redis_server) == keys and spy.drain() == []


def test_history_and_rollback(daemon, spy):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    assert daemon.patch({"SECRET_KEY": "another-secret-value-of-32-bytes-or-more!!"}).status == 200
    h = daemon.request("GET", "/config/history", token=None)
    assert h.status == 200
    versions = h.json["versions"]
    assert [v["version"] for v in versions] == ["3", "2", "1"]
    assert versions[0]["changed"] == ["SECRET_KEY"] and versions[0]["actor"] == "alice"
    assert all(v["config"]["SECRET_KEY"] == "**********" for v in versions)
    assert "another-secret" not in h.body
    limited = daemon.request("GET", "/config/history?limit=1", token=None).json["versions"]
    assert [v["version"] for v in limited] == ["3"]

    r = daemon.request("POST", "/config/rollback", {"version": "1"})
    assert r.status == 200, r
    assert r.json["version"] == "4" and r.json["changed"] == ["LOG_LEVEL", "SECRET_KEY"]
    msg = json.loads(spy.drain()[-1])
    assert msg["event"] == "rollback" and msg["version"] == "4"
    assert SECRET_VALUES[0] in daemon.env_path.read_text(), "the old secret is back in the .env"
    assert daemon.config()["config"]["LOG_LEVEL"] == "INFO"


def test_rollback_errors(daemon):
    r = daemon.request("POST", "/config/rollback", {"version": 77})
    assert r.status == 404 and r.json["error"] == "version_not_found"
    r = daemon.request("POST", "/config/rollback", {"version": "x"})
    assert r.status == 400
    r = daemon.request("POST", "/config/rollback", {"version": 1}, token=None)
    assert r.status == 401


def test_health_ready_metrics(daemon):
    assert daemon.request("GET", "/healthz", token=None).json == {"status": "ok"}
    r = daemon.request("GET", "/readyz", token=None)
    assert r.status == 200 and r.json["ready"] is True
    daemon.patch({"LOG_LEVEL": "DEBUG"})
    daemon.patch({"LOG_LEVEL": "nope"})
    m = daemon.request("GET", "/metrics", token=None)
    assert m.status == 200 and m.header("Content-Type").startswith("text/plain")
    lines = m.body.splitlines()
    assert 'omega_settingsd_patches_total{outcome="applied"} 1' in lines
    assert 'omega_settingsd_patches_total{outcome="invalid"} 1' in lines
    assert "omega_settingsd_config_version 2" in lines
    assert "omega_settingsd_redis_up 1" in lines and "omega_settingsd_audit_up 1" in lines
    assert any(x.startswith("omega_settingsd_publish_seconds_count ") and not x.endswith(" 0") for x in lines)


def test_readyz_reports_redis_down(daemon, redis_server):
    redis_server.stop()
    # The reconciler notices within its interval; readiness then says why.
    r = wait_until(
        lambda: (r := daemon.request("GET", "/readyz", token=None)).status == 503 and r,
        timeout=10,
        what="/readyz to answer 503",
    )
    assert r.status == 503 and r.json["redis"] is False
    assert "omega_settingsd_redis_up 0" in daemon.request("GET", "/metrics", token=None).body


def test_wrong_method_is_405_with_allow(daemon):
    r = daemon.request("DELETE", "/config")
    assert r.status == 405 and r.header("Allow") == "GET, HEAD" and r.json["error"] == "method_not_allowed"
    r = daemon.request("GET", "/config/patch")
    assert r.status == 405 and r.header("Allow") == "POST"


def test_unknown_path_is_404(daemon):
    r = daemon.request("GET", "/nope", token=None)
    assert r.status == 404 and r.json["error"] == "not_found"


def test_read_auth_admin_protects_get_config(make_daemon):
    d = make_daemon(args=["--read-auth", "admin"])
    assert d.request("GET", "/config", token=None).status == 401
    assert d.request("GET", "/config/history", token=None).status == 401
    assert d.request("GET", "/config", token=ALICE).status == 200
    assert d.request("GET", "/healthz", token=None).status == 200


def test_every_error_is_json_with_a_stable_code(daemon):
    for r in [
        daemon.request("GET", "/nope"),
        daemon.patch({"NOPE": 1}),
        daemon.patch({"LOG_LEVEL": 1}, token="x" * 40),
        daemon.request("POST", "/config/patch", "{", content_type="application/json"),
    ]:
        body = r.json
        assert set(body) == {"error", "message", "details"} and body["error"] and body["message"], r


def test_key_prefix_namespaces_keys_and_channel(make_daemon, redis_server):
    d = make_daemon(args=["--key-prefix", "staging"])
    spy = Spy(redis_server, channel="staging:config_channel")
    try:
        assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 200
        c = redis_server.client()
        assert json.loads(c.get("staging:omega:config"))["LOG_LEVEL"] == "DEBUG"
        assert c.get("staging:omega:config:version") == b"2"
        assert c.get("omega:config") is None, "the default names stay free for another environment"
        assert json.loads(spy.drain()[-1])["version"] == "2"
    finally:
        spy.close()
