"""Secret values never leave in clear except inside the Redis snapshot: not in GET /config,
history, error bodies, daemon logs, the audit file or pub/sub payloads."""

import json

from helpers import SECRET_VALUES

from tests.support.redis_server import redis_keys

NEW_SECRET = "rotated-SECRET-value-NEVER-LEAK-9876543210"
NEW_MONGO = "mongodb://omega:NEW-mongo-pass-never-leak@mongo:27017/omega"
BAD_SECRET = "short-BAD-secret"  # invalid (minLength 32), must not be echoed either


def test_secrets_never_leave_in_clear(daemon, redis_server, spy):
    bodies = []
    bodies.append(daemon.request("GET", "/config", token=None).body)
    r = daemon.patch({"SECRET_KEY": NEW_SECRET, "MONGO_URI": NEW_MONGO, "LOG_LEVEL": "DEBUG"})
    assert r.status == 200
    bodies.append(r.body)
    for bad in (
        {"SECRET_KEY": BAD_SECRET},
        {"SECRET_KEY": BAD_SECRET, "NOPE": NEW_SECRET},
        {"MONGO_URI": "", "REQUEST_TIMEOUT": 0},
        {"SECRET_KEY": 12345},
    ):
        bad_r = daemon.patch(bad)
        assert bad_r.status == 422
        bodies.append(bad_r.body)
    bodies.append(daemon.request("POST", "/config/reload").body)
    bodies.append(daemon.request("GET", "/config/history", token=None).body)
    rb = daemon.request("POST", "/config/rollback", {"version": 1})
    assert rb.status == 200
    bodies.append(rb.body)
    bodies.append(daemon.request("GET", "/config", token=None).body)
    bodies.append(daemon.request("GET", "/config/history", token=None).body)
    bodies.append(daemon.request("GET", "/metrics", token=None).body)
    messages = spy.drain()
    assert len(messages) == 3  # patch, reload, rollback
    daemon.stop()  # flush everything the daemon would log

    secrets = [*SECRET_VALUES, NEW_SECRET, "NEW-mongo-pass-never-leak", BAD_SECRET]
    places = {
        "HTTP bodies": "\n".join(bodies),
        "daemon log": daemon.log(),
        "audit file": daemon.audit_path.read_text(),
        "pub/sub payloads": "\n".join(messages),
    }
    for where, text in places.items():
        assert text, f"nothing captured from {where}"
        for s in secrets:
            assert s not in text, f"secret found in {where}"

    # The audit shows that the secret changed, as a keyed hash, so equal values still match.
    records = [json.loads(line) for line in daemon.audit_path.read_text().splitlines()]
    patch_rec = records[0]
    secret_diff = {d["key"]: d for d in patch_rec["diff"] if d.get("secret")}
    assert set(secret_diff) == {"MONGO_URI", "SECRET_KEY"}
    assert (
        secret_diff["SECRET_KEY"]["new"].startswith("b2:")
        and secret_diff["SECRET_KEY"]["old"] != secret_diff["SECRET_KEY"]["new"]
    )
    rollback_rec = records[-1]
    back = {d["key"]: d for d in rollback_rec["diff"]}
    assert back["SECRET_KEY"]["new"] == secret_diff["SECRET_KEY"]["old"], "the same value hashes the same way"
    # Non-secret changes are recorded in clear.
    assert {"key": "LOG_LEVEL", "old": "INFO", "new": "DEBUG"} in patch_rec["diff"]

    # ...while the Redis snapshot, which readers need, does hold the real value.
    assert json.loads(redis_keys(redis_server)[0])["SECRET_KEY"] == SECRET_VALUES[0]


def test_audit_records_have_the_required_fields(daemon):
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    rec = json.loads(daemon.audit_path.read_text().splitlines()[-1])
    assert rec["action"] == "patch" and rec["actor"] == "alice" and rec["source"] == "127.0.0.1"
    assert rec["version_before"] == "1" and rec["version_after"] == "2"
    assert rec["time"].endswith("Z") and len(rec["request_id"]) >= 8
    import os

    assert oct(os.stat(daemon.audit_path).st_mode & 0o777) == "0o600"
