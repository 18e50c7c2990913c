"""Storage failures answer honestly: a directory fsync that fails twice is a 500 that says
the new .env is in place; a failed audit write leaves no torn line. (Both use test-build
failpoints armed with :fail, which simulate the I/O error.)"""

import json

import pytest
from helpers import published

from tests.support.daemon import has_failpoints

pytestmark = pytest.mark.skipif(not has_failpoints(), reason="needs a build with OMEGA_FAILPOINTS=ON")


def test_failed_directory_fsync_is_a_500_that_says_the_rename_happened(make_daemon, redis_server):
    d = make_daemon(start=False)
    d.start(extra_env={"OMEGA_FAILPOINT": "patch.env.dir_fsync:fail"})
    r = d.patch({"LOG_LEVEL": "DEBUG"})
    assert r.status == 500 and r.json["error"] == "storage_error", r
    assert "in place" in r.json["message"] and "power loss" in r.json["message"]
    # The daemon serves what the file now says, rather than a state that differs from it.
    assert "LOG_LEVEL=DEBUG" in d.env_path.read_text()
    assert d.config()["version"] == "2" and published(redis_server)[1] == b"2"


def test_failed_audit_write_leaves_no_torn_line(make_daemon):
    d = make_daemon(start=False)
    d.start()
    assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    d.stop()
    audit = d.audit_path.read_bytes()
    env = d.env_path.read_bytes()
    d.start(extra_env={"OMEGA_FAILPOINT": "audit.partial_write:fail"})
    r = d.patch({"LOG_LEVEL": "ERROR"})
    assert r.status == 503 and r.json["error"] == "audit_unavailable", r
    assert d.audit_path.read_bytes() == audit and d.env_path.read_bytes() == env
    for line in d.audit_path.read_text().splitlines():
        json.loads(line)
