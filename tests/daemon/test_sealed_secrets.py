"""Sealed secrets (--seal-key-file, reader guarantee 14): with a seal key no secret value
reaches Redis in clear (GET, DUMP, the RDB file after SAVE, a replica); the reconciler
compares meaningfully and never republishes in a loop; turning sealing on and rotating the key
reseal the same version; a writer that cannot open what Redis holds, and a bad key file, are
refused at start with the file and the fix named, nothing published.

Redis runs with --rdbcompression no here, so DUMP and the RDB file hold strings as they are:
the control test shows that the same searches find the secrets when sealing is off."""

import hashlib
import json
import os
import subprocess
import time

import pytest
from helpers import SECRET_VALUES, published

from tests.support.redis_server import RedisServer
from tests.support.seal_keys import new_key, write_key_file
from tests.support.waiting import wait_until

NEW_SECRET = "rotated-SECRET-value-NEVER-LEAK-9876543210"
SECRETS = [*SECRET_VALUES, NEW_SECRET]
SECRET_KEYS = ("MONGO_URI", "SECRET_KEY")
PREFIX = "omega:sealed:v1:"


@pytest.fixture
def plain_redis():
    """Redis that stores strings uncompressed in DUMP and RDB output."""
    server = RedisServer(extra_args=["--rdbcompression", "no"]).start()
    yield server
    server.cleanup()


@pytest.fixture
def keys(tmp_path):
    """The seal key file: k1 seals."""
    return write_key_file(tmp_path / "seal.keys", [("k1", new_key())])


def sealed_daemon(make_daemon, redis, key_file, **kw):
    return make_daemon(args=["--seal-key-file", str(key_file)], redis=redis, **kw)


def start_replica(master):
    replica = RedisServer(extra_args=["--replicaof", "127.0.0.1", str(master.port), "--rdbcompression", "no"]).start()
    want = master.client().get("omega:config")
    wait_until(lambda: replica.client().get("omega:config") == want, what="the replica to sync")
    return replica


def places(redis, replica):
    """Every copy of the snapshot Redis keeps: the value, its DUMP, the RDB file, the replica."""
    client = redis.client()
    redis.save()
    with open(os.path.join(redis.dir, "dump.rdb"), "rb") as f:
        rdb = f.read()
    return {
        "GET omega:config": client.get("omega:config"),
        "DUMP omega:config": client.dump("omega:config"),
        "the RDB file after SAVE": rdb,
        "GET on a replica": replica.client().get("omega:config"),
        "DUMP on a replica": replica.client().dump("omega:config"),
    }


def change_secret(daemon):
    assert daemon.patch({"SECRET_KEY": NEW_SECRET}).status == 200


def test_the_searches_find_secrets_when_sealing_is_off(make_daemon, plain_redis):
    daemon = make_daemon(redis=plain_redis)
    change_secret(daemon)
    replica = start_replica(plain_redis)
    try:
        for where, data in places(plain_redis, replica).items():
            assert NEW_SECRET.encode() in data, f"the control cannot see the secret in {where}"
            assert SECRET_VALUES[1].encode() in data, where
    finally:
        replica.cleanup()


def test_no_secret_reaches_redis_its_files_or_a_replica_in_clear(make_daemon, plain_redis, keys):
    daemon = sealed_daemon(make_daemon, plain_redis, keys)
    change_secret(daemon)  # a patched secret is sealed too
    replica = start_replica(plain_redis)
    try:
        for where, data in places(plain_redis, replica).items():
            for secret in SECRETS:
                assert secret.encode() not in data, f"a secret in clear in {where}"
    finally:
        replica.cleanup()
    snap, version, meta = published(plain_redis)
    for key in SECRET_KEYS:
        assert snap[key].startswith(PREFIX), key
    assert snap["LOG_LEVEL"] == "INFO" and snap["REQUEST_TIMEOUT"] == 30, "the rest stays in clear"
    assert meta["seal_key_id"] == "k1" and version == b"2"
    # The sha256 is of the bytes readers fetch: the sealed ones.
    assert meta["sha256"] == hashlib.sha256(plain_redis.client().get("omega:config")).hexdigest()
    # What the writer keeps for itself is unchanged: the .env holds the secret, GET /config masks it.
    assert NEW_SECRET in daemon.env_path.read_text()
    assert daemon.config()["config"]["SECRET_KEY"] == "**********"


def test_the_reconciler_leaves_a_sealed_snapshot_alone(make_daemon, redis_server, keys, spy):
    daemon = sealed_daemon(make_daemon, redis_server, keys)
    before = redis_server.client().get("omega:config")
    seen = len(spy.drain())  # the boot publication
    time.sleep(1.5)  # about seven reconcile intervals (200 ms)
    assert spy.drain()[seen:] == [], "the reconciler republished"
    assert redis_server.client().get("omega:config") == before
    # A change to a setting that is not secret keeps the secrets' sealed bytes: readers without
    # the key see exactly what changed.
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    after = json.loads(redis_server.client().get("omega:config"))
    for key in SECRET_KEYS:
        assert after[key] == json.loads(before)[key], key
    assert [json.loads(m)["changed"] for m in spy.drain()[seen:]] == [["LOG_LEVEL"]]
    # A restart adopts what Redis holds and republishes the very same bytes and version.
    seen = len(spy.drain())
    settled = redis_server.client().get("omega:config")
    daemon.stop()
    daemon.start()
    assert published(redis_server)[1] == b"2"
    assert redis_server.client().get("omega:config") == settled
    time.sleep(1)
    assert [json.loads(m)["event"] for m in spy.drain()[seen:]] == ["boot"]


def test_turning_sealing_on_reseals_the_same_version(make_daemon, redis_server, keys):
    daemon = make_daemon()
    assert published(redis_server)[0]["SECRET_KEY"] == SECRET_VALUES[0]
    daemon.stop()
    daemon.args = ["--seal-key-file", str(keys)]
    daemon.start()
    snap, version, meta = published(redis_server)
    assert version == b"1", "same settings: the same version, now sealed"
    assert snap["SECRET_KEY"].startswith(PREFIX) and meta["seal_key_id"] == "k1"


def test_rotation_reseals_with_the_new_key_while_the_old_one_still_opens(make_daemon, redis_server, tmp_path):
    old, new = new_key(), new_key()
    key_file = write_key_file(tmp_path / "seal.keys", [("k1", old)])
    daemon = sealed_daemon(make_daemon, redis_server, key_file)
    assert published(redis_server)[2]["seal_key_id"] == "k1"
    daemon.stop()
    write_key_file(key_file, [("k2", new), ("k1", old)])  # the new key first, the old one kept
    daemon.start()
    snap, version, meta = published(redis_server)
    assert meta["seal_key_id"] == "k2" and version == b"1", "resealed with k2 at the same version"
    assert snap["SECRET_KEY"].startswith(PREFIX)
    daemon.stop()
    write_key_file(key_file, [("k2", new)])  # Redis holds k2 now: the old key can go
    daemon.start()
    assert published(redis_server)[1] == b"1"
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200


def assert_refused(daemon, redis, *expected, code=1):
    before = redis.client().mget("omega:config", "omega:config:version", "omega:config:meta")
    daemon.start(wait=False)
    returncode = daemon.proc.wait(20)
    daemon.kill()  # reaped already: closes its log
    log = daemon.log()
    assert returncode == code, log
    for text in expected:
        assert text in log, f"{text!r} not in:\n{log}"
    assert redis.client().mget("omega:config", "omega:config:version", "omega:config:meta") == before, (
        "something was published"
    )
    for secret in SECRETS:
        assert secret not in log
    return log


def test_a_writer_that_cannot_open_what_redis_holds_refuses_to_start(make_daemon, redis_server, tmp_path):
    old_file = write_key_file(tmp_path / "old.keys", [("k1", new_key())])
    daemon = sealed_daemon(make_daemon, redis_server, old_file)
    daemon.stop()
    # The old key dropped too early (or the wrong key file):
    wrong = write_key_file(tmp_path / "wrong.keys", [("k2", new_key())])
    daemon.args = ["--seal-key-file", str(wrong)]
    assert_refused(
        daemon,
        redis_server,
        "sealed with key id 'k1'",
        f"seal key file {wrong} does not list (it lists k2)",
        "keep the old key in the file below the new first line",
        "delete omega:config:version",
    )
    # Without any seal key it would republish the secrets in clear: refused too.
    daemon.args = []
    assert_refused(daemon, redis_server, "has no --seal-key-file and would republish them in clear")
    # Re-seeding on purpose: with the version deleted, the writer publishes afresh (new epoch).
    redis_server.client().delete("omega:config:version")
    daemon.start()
    snap, version, _ = published(redis_server)
    assert version == b"2" and snap["SECRET_KEY"] == SECRET_VALUES[0]


def key_file_cases(tmp_path):
    good = write_key_file(tmp_path / "good.keys", [("k1", new_key())])
    short = write_key_file(tmp_path / "short.keys", [("k1", os.urandom(16))])
    bad_id = tmp_path / "bad-id.keys"
    bad_id.write_text(good.read_text().replace("k1:", "key one:"))
    bad_id.chmod(0o600)
    not_b64 = tmp_path / "not-base64.keys"
    not_b64.write_text("k1:this is not base64!\n")
    not_b64.chmod(0o600)
    empty = tmp_path / "empty.keys"
    empty.write_text("# no keys yet\n")
    empty.chmod(0o600)
    world = write_key_file(tmp_path / "world.keys", [("k1", new_key())], mode=0o644)
    group = write_key_file(tmp_path / "group.keys", [("k1", new_key())], mode=0o640)
    cases = [
        (tmp_path / "absent.keys", "cannot be read: No such file or directory"),
        (tmp_path, "is not a regular file"),
        (world, f"group or others (mode 0644); it holds secret keys, so only its owner may read it: chmod 600 {world}"),
        (group, f"chmod 600 {group}"),
        (short, "line 2 (key 'k1'): the key is 16 bytes; a seal key is exactly 32"),
        (bad_id, "line 2: the key id must be 1 to 64 characters"),
        (not_b64, "line 1 (key 'k1'): the key is not standard base64"),
        (empty, "it holds no key"),
    ]
    if os.geteuid() != 0:  # root reads a mode-000 file anyway
        unreadable = write_key_file(tmp_path / "unreadable.keys", [("k1", new_key())], mode=0o000)
        cases.append((unreadable, "cannot be read: Permission denied"))
    return cases


def test_bad_key_files_are_refused_at_start_naming_the_file_and_the_fix(make_daemon, redis_server, tmp_path):
    daemon = make_daemon(start=False)
    for path, reason in key_file_cases(tmp_path):
        daemon.args = ["--seal-key-file", str(path)]
        assert_refused(daemon, redis_server, f"--seal-key-file: seal key file {path}", reason)
    assert published(redis_server) == (None, None, None), "nothing was ever published"


def test_check_mode_validates_the_key_file(make_daemon, tmp_path):
    daemon = make_daemon(start=False)
    world = write_key_file(tmp_path / "world.keys", [("k1", new_key())], mode=0o644)
    cmd = [*daemon.command(), "--check"]
    refused = subprocess.run([*cmd, "--seal-key-file", str(world)], capture_output=True, text=True)
    assert refused.returncode == 1 and f"chmod 600 {world}" in refused.stderr
    good = write_key_file(tmp_path / "good.keys", [("k9", new_key())])
    ok = subprocess.run([*cmd, "--seal-key-file", str(good)], capture_output=True, text=True)
    assert ok.returncode == 0 and "secrets sealed with key 'k9'" in ok.stdout, ok.stderr


def test_the_key_file_may_come_from_the_environment(make_daemon, redis_server, keys):
    daemon = make_daemon(start=False)
    daemon.start(extra_env={"OMEGA_SEAL_KEY_FILE": str(keys)})
    assert published(redis_server)[0]["SECRET_KEY"].startswith(PREFIX)


def test_a_value_that_looks_sealed_is_never_published_in_clear(world):
    # Readers take it for a sealed secret: those without a key could not read it, those with one
    # would reject every snapshot. REDIS_URL has no constraint of its own that would refuse it.
    before = world.capture()
    r = world.daemon.patch({"REDIS_URL": PREFIX + "AAAA", "MONGO_URI": "omega:sealed:v2:x"})
    assert r.status == 422 and r.json["error"] == "validation_failed"
    refused = {d["key"] for d in r.json["details"] if "readers take such a value for a sealed secret" in d["message"]}
    assert refused == {"REDIS_URL", "MONGO_URI"}
    world.assert_unchanged(before)
