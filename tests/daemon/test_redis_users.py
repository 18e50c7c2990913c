"""The Redis users of the deploy kit (deploy/redis/users.acl, make-users.sh) loaded into a
real redis-server: the daemon works as omega-writer (a patch is published, a reconcile after
data loss re-seeds); omega-reader can do what a reader does and nothing that changes or
administers Redis; the default user is off. Plain and over TLS. Reader-side checks use
redis-py logged in as omega-reader (the omega_config package runs as that user in
tests/python/test_redis_users.py)."""

import json
import os
import re
import subprocess

import pytest
import redis as redis_py

from tests.support.redis_server import redis_keys
from tests.support.redis_users import (
    ADMIN,
    DEV_PASSWORDS,
    MAKE_USERS,
    PASSWORDS,
    READER,
    SHIPPED_USERS,
    WRITER,
    acl_redis,
    client_as,
    make_users_file,
    user_url,
)
from tests.support.waiting import wait_until

REFUSED = (redis_py.exceptions.NoPermissionError, redis_py.exceptions.AuthenticationError)


@pytest.fixture(params=["plain", "tls"])
def users_redis(request, tmp_path, tls_files):
    """Redis with a users file from make-users.sh (plus an admin, the harness's login)."""
    server = acl_redis(make_users_file(tmp_path / "users.acl"), tls=tls_files if request.param == "tls" else None)
    yield server
    server.cleanup()


def reader(server, db=0):
    return client_as(server, READER, PASSWORDS[READER], db=db)


def published(server, prefix=""):
    snap, version, meta = server.client().mget(
        f"{prefix}omega:config", f"{prefix}omega:config:version", f"{prefix}omega:config:meta"
    )
    return json.loads(snap) if snap else None, int(version) if version else None, json.loads(meta) if meta else None


def test_shipped_users_file_is_make_users_output_with_the_placeholder_passwords(tmp_path):
    made = make_users_file(tmp_path / "users.acl", passwords=DEV_PASSWORDS).read_text()
    for user, password in DEV_PASSWORDS.items():
        made = re.sub(rf"(user {user} reset on )#[0-9a-f]{{64}}", rf"\g<1>>{password}", made)
    assert SHIPPED_USERS.read_text() == made


def test_shipped_users_file_works_as_it_is(make_daemon, tmp_path):
    server = acl_redis(SHIPPED_USERS, login=READER, passwords=DEV_PASSWORDS)
    try:
        d = make_daemon(redis=server, args=["--redis-url", user_url(server, WRITER, DEV_PASSWORDS[WRITER])])
        assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 200
        assert json.loads(redis_keys(server)[0])["LOG_LEVEL"] == "DEBUG"
        with pytest.raises(REFUSED):
            server.client(username=None, password=None).ping()
    finally:
        server.cleanup()


def test_reader_user_does_what_a_reader_does(users_redis, make_daemon):
    make_daemon(redis=users_redis, args=["--redis-url", user_url(users_redis, WRITER, PASSWORDS[WRITER])])
    r = reader(users_redis)
    assert r.ping()
    snap, version, meta = r.mget("omega:config", "omega:config:version", "omega:config:meta")
    assert version == b"1" and json.loads(meta)["version"] == 1
    assert r.strlen("omega:config") == len(snap)
    assert r.get("omega:config:version") == b"1"
    assert r.client_setname("omega-reader-test")
    sub = r.pubsub()
    sub.subscribe("config_channel")
    assert sub.get_message(timeout=5)["type"] == "subscribe"
    sub.close()


@pytest.mark.parametrize(
    "command",
    [
        ("SET", "omega:config", "{}"),
        ("PUBLISH", "config_channel", "{}"),
        ("DEL", "omega:config:version"),
        ("CONFIG", "GET", "*"),
        ("FLUSHALL",),
        ("GET", "some-other-key"),  # keys outside omega:*
        ("SELECT", "1"),  # db 0 files grant no SELECT
        ("KEYS", "*"),
        ("ACL", "LIST"),
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_reader_user_is_refused(users_redis, command):
    users_redis.client().set("omega:config:version", "7")
    with pytest.raises(redis_py.exceptions.NoPermissionError):
        reader(users_redis).execute_command(*command)
    assert users_redis.client().get("omega:config:version") == b"7"


def test_reader_user_cannot_subscribe_elsewhere(users_redis):
    sub = reader(users_redis).pubsub()
    with pytest.raises(redis_py.exceptions.NoPermissionError):
        sub.subscribe("another_channel")
        sub.get_message(timeout=5)
    sub.close()


@pytest.mark.parametrize(
    "command",
    [("DEL", "omega:config"), ("FLUSHALL",), ("CONFIG", "GET", "*"), ("GET", "elsewhere"), ("EVAL", "return 1", "0")],
    ids=lambda c: c[0],
)
def test_writer_user_is_refused_what_a_writer_does_not_need(users_redis, command):
    with pytest.raises(redis_py.exceptions.NoPermissionError):
        client_as(users_redis, WRITER, PASSWORDS[WRITER]).execute_command(*command)


def test_default_user_is_off(users_redis):
    with pytest.raises(redis_py.exceptions.AuthenticationError):
        users_redis.client(username=None, password=None).ping()
    with pytest.raises(REFUSED):
        users_redis.client(username="default", password="anything-at-all").ping()


def test_daemon_as_writer_user_publishes_and_reseeds_after_data_loss(users_redis, make_daemon):
    d = make_daemon(redis=users_redis, args=["--redis-url", user_url(users_redis, WRITER, PASSWORDS[WRITER])])
    sub = reader(users_redis).pubsub()
    sub.subscribe("config_channel")
    assert sub.get_message(timeout=5)["type"] == "subscribe"
    assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    message = wait_until(lambda: sub.get_message(timeout=1), what="the patch's message, seen by the reader user")
    assert json.loads(message["data"])["version"] == "2"
    sub.close()
    _, version, meta = published(users_redis)
    assert version == 2

    users_redis.restart(keep_data=False)  # data loss; the users file is loaded again
    wait_until(lambda: published(users_redis)[1], what="the reconciler re-seeding as omega-writer")
    snap, new_version, new_meta = published(users_redis)
    assert new_version > version and new_meta["epoch"] != meta["epoch"]
    assert snap["LOG_LEVEL"] == "DEBUG"
    assert "NOPERM" not in d.log() and "NOAUTH" not in d.log()


def test_writer_user_may_wait_for_replicas(users_redis):
    assert client_as(users_redis, WRITER, PASSWORDS[WRITER]).execute_command("WAIT", "0", "10") == 0


def test_another_database_and_a_key_prefix(tmp_path, make_daemon):
    server = acl_redis(make_users_file(tmp_path / "users.acl", db=3, prefix="staging"))
    try:
        url = user_url(server, WRITER, PASSWORDS[WRITER], db=3)
        d = make_daemon(redis=server, args=["--redis-url", url, "--key-prefix", "staging"])
        assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 200
        r = reader(server, db=3)  # logs in, then SELECT 3
        snap, version = r.mget("staging:omega:config", "staging:omega:config:version")
        assert json.loads(snap)["LOG_LEVEL"] == "DEBUG" and version == b"2"
        with pytest.raises(redis_py.exceptions.NoPermissionError):
            r.get("omega:config")  # the unprefixed keys are another environment's
    finally:
        server.cleanup()


def test_admin_user_only_when_asked(tmp_path):
    without = make_users_file(tmp_path / "a.acl", passwords={READER: PASSWORDS[READER], WRITER: PASSWORDS[WRITER]})
    assert ADMIN not in without.read_text()
    assert f"user {ADMIN} " in make_users_file(tmp_path / "b.acl").read_text()


@pytest.mark.parametrize(
    "env, complaint",
    [
        ({"OMEGA_READER_PASSWORD": "short", "OMEGA_WRITER_PASSWORD": "w" * 20}, "shorter than 16"),
        ({"OMEGA_WRITER_PASSWORD": "w" * 20}, "no reader password"),
        (
            {"OMEGA_READER_PASSWORD": "r" * 20, "OMEGA_WRITER_PASSWORD": "w" * 20, "OMEGA_KEY_PREFIX": "a*"},
            "KEY_PREFIX",
        ),
        ({"OMEGA_READER_PASSWORD": "r" * 20, "OMEGA_WRITER_PASSWORD": "w" * 20, "OMEGA_REDIS_DB": "x"}, "REDIS_DB"),
    ],
)
def test_make_users_refuses_what_would_be_wrong(tmp_path, env, complaint):
    out = tmp_path / "users.acl"
    done = subprocess.run(
        ["bash", str(MAKE_USERS), str(out)], env={"PATH": os.environ["PATH"], **env}, capture_output=True, text=True
    )
    assert done.returncode != 0 and complaint in done.stderr, done.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
