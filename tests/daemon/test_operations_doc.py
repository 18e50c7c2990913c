"""The tested procedures of docs/operations.md, run step by step as written (one bash per
procedure, the doc's variables pointing at a scratch host) against a real omega-settingsd and
a redis-server with the deploy kit's users: the daemon logs in as omega-writer, the
procedures' redis-cli as omega-reader. Each test plays the incident, runs the procedure and
checks what an operator needs: the same settings, versions that never go backwards, one
writer again, the new admin token in and the old one out."""

import json

import pytest

from tests.support.doc_procedures import procedures, run_procedure
from tests.support.ops_host import OLD_TOKEN, OpsHost
from tests.support.paths import REPO
from tests.support.redis_users import PASSWORDS, READER, WRITER, acl_redis, make_users_file, user_url
from tests.support.waiting import wait_until

DOC = REPO / "docs" / "operations.md"


@pytest.fixture
def redis(tmp_path):
    server = acl_redis(make_users_file(tmp_path / "users.acl"))
    yield server
    server.cleanup()


@pytest.fixture
def host(tmp_path, redis):
    h = OpsHost(
        tmp_path / "host", user_url(redis, WRITER, PASSWORDS[WRITER]), user_url(redis, READER, PASSWORDS[READER])
    )
    h.systemctl("start", "omega-settingsd")
    yield h
    try:
        h.systemctl("stop", "omega-settingsd")
    finally:
        h.kill()  # a daemon that did not stop is not left running


def run(host, name):
    return run_procedure(DOC, name, host.environ())


def in_redis(redis):
    snap, version, meta = redis.client().mget("omega:config", "omega:config:version", "omega:config:meta")
    return json.loads(snap), int(version), json.loads(meta)["epoch"]


def test_the_doc_marks_the_procedures_this_file_runs():
    assert set(procedures(DOC)) == {"backup", "restore", "redis-data-loss", "second-writer", "rotate-admin-token"}


def test_backup_then_restore_on_a_new_host_with_redis_intact(host, redis):
    host.patch({"LOG_LEVEL": "DEBUG"})
    host.patch({"REQUEST_TIMEOUT": 45})
    before, redis_before = host.config(), in_redis(redis)
    run(host, "backup")
    audit = host.audit_path.read_bytes()

    host.lose_files()
    run(host, "restore")

    assert host.config() == before  # the same settings and the same version
    assert in_redis(redis) == redis_before  # adopted: same version, same epoch, nothing republished
    assert host.audit_path.read_bytes() == audit
    host.patch({"LOG_LEVEL": "ERROR"})  # and it writes again
    assert host.config()["version"] == str(int(before["version"]) + 1)


def test_restore_after_changes_published_since_the_backup_never_goes_backwards(host, redis):
    host.patch({"LOG_LEVEL": "DEBUG"})
    backed_up = host.config()["config"]
    run(host, "backup")
    host.patch({"LOG_LEVEL": "ERROR"})
    host.patch({"REQUEST_TIMEOUT": 99})
    _, newest, epoch = in_redis(redis)

    host.lose_files()
    run(host, "restore")

    snap, version, new_epoch = in_redis(redis)
    assert version == newest + 1 and new_epoch == epoch  # readers follow: same epoch, higher version
    assert host.config() == {"version": str(version), "config": backed_up}
    assert snap["LOG_LEVEL"] == "DEBUG" and snap["REQUEST_TIMEOUT"] != 99


def test_restore_when_redis_lost_its_data_too(host, redis):
    host.patch({"LOG_LEVEL": "DEBUG"})
    before = host.config()
    _, _, epoch = in_redis(redis)
    run(host, "backup")

    host.lose_files()
    redis.restart(keep_data=False)
    run(host, "restore")

    snap, version, new_epoch = in_redis(redis)
    assert version == int(before["version"]) + 1 and new_epoch != epoch
    assert host.config() == {"version": str(version), "config": before["config"]}
    assert snap["LOG_LEVEL"] == "DEBUG"


def test_redis_data_loss_is_repaired_in_a_new_epoch(host, redis):
    host.patch({"LOG_LEVEL": "DEBUG"})
    settings, version, epoch = in_redis(redis)

    redis.restart(keep_data=False)
    out = run(host, "redis-data-loss")

    new_settings, new_version, new_epoch = in_redis(redis)
    assert new_version > version and new_epoch != epoch and new_settings == settings
    assert new_epoch in out  # the meta the procedure printed names it


def test_second_writer_is_resolved_with_versions_still_rising(host, redis):
    host.patch({"LOG_LEVEL": "DEBUG"})
    ours, version, epoch = in_redis(redis)
    # Another writer (a script) publishes its own snapshot, above our version, in our epoch.
    foreign = {**ours, "LOG_LEVEL": "CRITICAL"}
    foreign_version = version + 3
    meta = {"version": foreign_version, "epoch": epoch, "writer": "a-script"}
    redis.client().mset(
        {
            "omega:config": json.dumps(foreign),
            "omega:config:version": foreign_version,
            "omega:config:meta": json.dumps(meta),
        }
    )
    wait_until(lambda: host.request("GET", "/readyz", token=None)[1].get("write_conflict"), what="the conflict")
    assert host.request("POST", "/config/patch", {"updates": {"LOG_LEVEL": "INFO"}})[0] == 503

    run(host, "second-writer")

    snap, new_version, new_epoch = in_redis(redis)
    assert new_version == foreign_version + 1 and new_epoch == epoch and snap == ours
    assert host.request("GET", "/readyz", token=None)[0] == 200
    host.patch({"LOG_LEVEL": "INFO"})


def test_admin_token_rotation(host):
    run(host, "rotate-admin-token")

    names = [line.split(":", 1)[0] for line in host.tokens_path.read_text().splitlines()]
    assert names == ["alice-2"]
    new_token = host.tokens_path.read_text().strip().split(":", 1)[1]
    assert host.request("POST", "/config/reload", token=OLD_TOKEN)[0] == 401
    assert host.request("POST", "/config/reload", token=new_token)[0] == 200
    actors = [json.loads(line)["actor"] for line in host.audit_path.read_text().splitlines()]
    assert actors[-1] == "alice-2"
