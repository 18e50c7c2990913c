"""GET /config/diff (old -> new, secrets only as "changed", URL credentials masked, reverse
diffs, unknown versions named) and "dry_run" on patch and rollback (validates, answers the
diff it would apply, changes nothing: no version, audit record, message or history)."""

import pathlib

from helpers import SECRET_VALUES

NEW_SECRET = "another-secret-value-of-32-bytes-or-more!!"


def diff(d, query):
    return d.request("GET", f"/config/diff?{query}", token=None)


def test_diff_between_two_versions(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG", "REQUEST_TIMEOUT": 45}).status == 200
    assert daemon.patch({"SECRET_KEY": NEW_SECRET, "RATE_LIMIT_PER_MINUTE": 120}).status == 200
    assert daemon.patch({"REDIS_URL": "redis://:url-pass-never-shown@10.0.0.5:6379/1"}).status == 200
    r = diff(daemon, "from=1&to=4")
    assert r.status == 200, r
    assert r.json == {
        "from": "1",
        "to": "4",
        "changes": [
            {"key": "LOG_LEVEL", "old": "INFO", "new": "DEBUG"},
            {"key": "RATE_LIMIT_PER_MINUTE", "old": None, "new": 120},
            {"key": "REDIS_URL", "old": "redis://127.0.0.1:6379/0", "new": "redis://:**********@10.0.0.5:6379/1"},
            {"key": "REQUEST_TIMEOUT", "old": 30, "new": 45},
            {"key": "SECRET_KEY", "changed": True},
        ],
    }
    for secret in [*SECRET_VALUES, NEW_SECRET, "url-pass-never-shown"]:
        assert secret not in r.body


def test_reverse_diff_and_default_to_current(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    assert daemon.patch({"REQUEST_TIMEOUT": 45}).status == 200
    assert diff(daemon, "from=3&to=1").json["changes"] == [
        {"key": "LOG_LEVEL", "old": "DEBUG", "new": "INFO"},
        {"key": "REQUEST_TIMEOUT", "old": 45, "new": 30},
    ]
    current = diff(daemon, "from=2").json
    assert current["to"] == "3" and current["changes"] == [{"key": "REQUEST_TIMEOUT", "old": 30, "new": 45}]
    assert diff(daemon, "from=2&to=2").json["changes"] == []


def test_diff_of_an_unknown_version_is_404_naming_the_versions(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    r = diff(daemon, "from=77&to=1")
    assert r.status == 404 and r.json["error"] == "version_not_found"
    assert "77" in r.json["message"] and "1-2" in r.json["message"]
    assert r.json["details"][0]["key"] == "from"
    r = diff(daemon, "from=1&to=9")
    assert r.status == 404 and r.json["details"][0]["key"] == "to" and "1-2" in r.json["message"]
    for q in ["", "from=x", "from=1&to=-1", "from=12345678901234567"]:
        assert diff(daemon, q).status == 400, q


def test_diff_survives_a_restart(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    daemon.stop()
    daemon.start()
    assert diff(daemon, "from=1&to=2").json["changes"] == [{"key": "LOG_LEVEL", "old": "INFO", "new": "DEBUG"}]


def test_dry_run_patch_answers_the_diff_and_changes_nothing(world):
    d = world.daemon
    history_path = pathlib.Path(str(d.env_path) + ".history.jsonl")
    history = history_path.read_bytes()
    before = world.capture()
    r = d.patch(
        {"LOG_LEVEL": "debug", "SECRET_KEY": NEW_SECRET, "RATE_LIMIT_PER_MINUTE": 9}, dry_run=True, comment="try"
    )
    assert r.status == 200, r
    assert r.json == {
        "dry_run": True,
        "version": "1",
        "changes": [
            {"key": "LOG_LEVEL", "old": "INFO", "new": "DEBUG"},
            {"key": "RATE_LIMIT_PER_MINUTE", "old": None, "new": 9},
            {"key": "SECRET_KEY", "changed": True},
        ],
    }
    assert NEW_SECRET not in r.body
    # Still validated: an invalid dry run is refused like a patch.
    r = d.patch({"REQUEST_TIMEOUT": "soon"}, dry_run=True)
    assert r.status == 422 and r.json["error"] == "validation_failed"
    r = d.request(
        "POST", "/config/patch", {"updates": {"LOG_LEVEL": "DEBUG"}, "dry_run": True}, headers={"If-Match": '"9"'}
    )
    assert r.status == 412
    assert d.patch({"LOG_LEVEL": "INFO"}, dry_run=True).json["changes"] == []
    world.assert_unchanged(before)
    assert history_path.read_bytes() == history
    assert [v["version"] for v in d.request("GET", "/config/history", token=None).json["versions"]] == ["1"]


def test_dry_run_rollback_answers_the_diff_and_changes_nothing(world):
    d = world.daemon
    assert d.patch({"LOG_LEVEL": "DEBUG", "REQUEST_TIMEOUT": 45}).status == 200
    history_path = pathlib.Path(str(d.env_path) + ".history.jsonl")
    history = history_path.read_bytes()
    before = world.capture()
    r = d.request("POST", "/config/rollback", {"version": 1, "dry_run": True})
    assert r.status == 200, r
    assert r.json == {
        "dry_run": True,
        "version": "2",
        "changes": [
            {"key": "LOG_LEVEL", "old": "DEBUG", "new": "INFO"},
            {"key": "REQUEST_TIMEOUT", "old": 45, "new": 30},
        ],
    }
    assert d.request("POST", "/config/rollback", {"version": 9, "dry_run": True}).status == 404
    assert d.request("POST", "/config/rollback", {"version": 1, "dry_run": "yes"}).status == 400
    world.assert_unchanged(before)
    assert history_path.read_bytes() == history
