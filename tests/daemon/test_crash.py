"""Crash consistency: SIGKILL the daemon at every step of a patch (named failpoints in the
test build), then check the .env is the whole old or the whole new file, a restart
reconciles Redis with it, and published versions only ever go up."""

import http.client
import json
import os

import pytest

from tests.support.daemon import DATA, has_failpoints
from tests.support.redis_server import redis_keys

# Every step of a patch, in order (daemon/src/writer.cc, durable_file.cc).
PATCH_STEPS = [
    # before the commit point (the three syncs run concurrently)
    "patch.audit_synced",
    "patch.history_synced",
    "patch.version.written",
    "patch.version.synced",
    "patch.env.partial_temp",
    "patch.env.temp_synced",
    "patch.prepared",
    # the commit point and after
    "patch.env.renamed",
    "patch.env.dir_synced",
    "patch.env_written",
    "patch.before_exec",
    "patch.published",
]
BEFORE_COMMIT = PATCH_STEPS[:7]

pytestmark = pytest.mark.skipif(not has_failpoints(), reason="needs a build with -DOMEGA_FAILPOINTS=ON")


def published_versions(spy):
    """(event, version) of every message, in order."""
    return [(m["event"], int(m["version"])) for m in map(json.loads, spy.drain())]


@pytest.mark.parametrize("step", PATCH_STEPS)
def test_sigkill_at_every_step_of_a_patch(make_daemon, redis_server, spy, step):
    d = make_daemon(start=False)
    d.start(extra_env={"OMEGA_FAILPOINT": step})
    # The patch hits the failpoint: the process is SIGKILLed and the connection drops unanswered.
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        d.patch({"REQUEST_TIMEOUT": 31})
    d.proc.wait(20)
    assert d.proc.returncode == -9, d.log()
    d.proc = None

    old = d.env_path.read_bytes()
    # Whatever the step, the file on disk is either the whole old file or the whole new one.
    orig = (DATA / "test.env").read_bytes()
    new = orig.replace(b"REQUEST_TIMEOUT=30", b"REQUEST_TIMEOUT=31")
    assert old in (orig, new), old
    landed = old == new
    assert landed == (step not in BEFORE_COMMIT), "the rename is the commit point"

    d.start()  # no failpoint now
    assert not [n for n in os.listdir(d.dir) if ".tmp-" in n], "stale temp files are removed at start"
    snap, version, _meta = redis_keys(redis_server)
    cfg = json.loads(snap)
    assert cfg["REQUEST_TIMEOUT"] == (31 if landed else 30), "the restart reconciles Redis with the .env"
    assert d.config()["config"]["REQUEST_TIMEOUT"] == cfg["REQUEST_TIMEOUT"]
    assert d.config()["version"] == version.decode()

    # And it keeps working: the next patch gets a higher version than anything published.
    r = d.patch({"LOG_LEVEL": "ERROR"})
    assert r.status == 200
    seen = published_versions(spy)
    for (_, prev), (event, v) in zip(seen, seen[1:]):
        # Only a republish (boot/reload of the same snapshot) may repeat a version.
        assert v > prev or (v == prev and event in ("boot", "reload")), seen
    assert seen[-1] == ("updated", int(r.json["version"]))
    assert b"REQUEST_TIMEOUT=" + (b"31" if landed else b"30") in d.env_path.read_bytes()
