"""A patch is rendered from the .env the daemon loaded; a hand edit made since then must not
be silently dropped: the patch is refused until POST /config/reload."""

from tests.support.redis_server import redis_keys


def test_patch_after_a_hand_edit_is_refused_until_reload(daemon, redis_server, spy):
    edited = daemon.env_path.read_text().replace("REQUEST_TIMEOUT=30", "REQUEST_TIMEOUT=45")
    daemon.env_path.write_text(edited)
    spy.drain()
    keys = redis_keys(redis_server)
    audit = daemon.audit_path.read_bytes()
    r = daemon.patch({"LOG_LEVEL": "DEBUG"})
    assert r.status == 409 and r.json["error"] == "env_changed_on_disk", r
    assert "reload" in r.json["message"]
    assert daemon.env_path.read_text() == edited
    assert redis_keys(redis_server) == keys and spy.drain() == []
    assert daemon.audit_path.read_bytes() == audit
    assert daemon.request("POST", "/config/reload").status == 200
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    text = daemon.env_path.read_text()
    assert "REQUEST_TIMEOUT=45" in text and "LOG_LEVEL=DEBUG" in text
