"""deploy/logrotate/omega-settingsd run by the real logrotate against a running daemon: the
shipped file with only its two paths and its postrotate command replaced (the test's files,
a SIGHUP to the test's daemon). The files are renamed, the daemon reopens them, the next
patch lands in the new audit log and the rotated one keeps its bytes."""

import json
import shutil
import subprocess

import pytest

from tests.support.deploy_kit import DEPLOY
from tests.support.waiting import wait_until

CONF = DEPLOY / "logrotate" / "omega-settingsd"
SHIPPED_AUDIT = "/var/log/omega/audit.jsonl"
SHIPPED_LOG = "/var/log/omega/omega-settingsd.log"
SHIPPED_SIGNAL = "systemctl reload omega-settingsd.service"


def directives():
    return [
        line.split()[0] for line in CONF.read_text().splitlines() if line.strip() and not line.strip().startswith("#")
    ]


def test_never_copytruncate_and_never_the_audit_key():
    assert "copytruncate" not in [d.strip() for d in directives()]
    heads = [line for line in CONF.read_text().splitlines() if line.rstrip().endswith("{")]
    assert sorted(h.split()[0] for h in heads) == sorted([SHIPPED_AUDIT, SHIPPED_LOG])  # no glob: no audit.jsonl.key


def test_rotation_renames_and_the_daemon_reopens(make_daemon, tmp_path):
    if not shutil.which("logrotate"):
        pytest.fail("logrotate not found: run scripts/install-deps.sh (Debian package logrotate)")
    log = tmp_path / "omega-settingsd.log"
    d = make_daemon(args=["--log-file", str(log)])
    assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    audit_before = d.audit_path.read_bytes()
    key_before = d.audit_path.with_name(d.audit_path.name + ".key").read_bytes()

    text = CONF.read_text()
    for shipped in (SHIPPED_AUDIT, SHIPPED_LOG, SHIPPED_SIGNAL):
        assert shipped in text, f"{CONF} no longer names {shipped}: update this test"
    conf = tmp_path / "logrotate.conf"
    conf.write_text(
        text.replace(SHIPPED_AUDIT, str(d.audit_path))
        .replace(SHIPPED_LOG, str(log))
        .replace(SHIPPED_SIGNAL, f"kill -HUP {d.proc.pid}")
    )
    done = subprocess.run(
        ["logrotate", "-f", "-s", str(tmp_path / "logrotate.state"), str(conf)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr

    rotated_audit = d.audit_path.with_name(d.audit_path.name + ".1")
    assert rotated_audit.read_bytes() == audit_before
    wait_until(lambda: log.exists() and "SIGHUP: reopened" in log.read_text(), what="the daemon to reopen its files")
    assert log.with_name(log.name + ".1").exists()

    assert d.patch({"LOG_LEVEL": "ERROR"}).status == 200
    records = [json.loads(line) for line in d.audit_path.read_text().splitlines()]
    assert [(r["action"], r["version_after"], r["diff"][0]["new"]) for r in records] == [("patch", "3", "ERROR")]
    assert rotated_audit.read_bytes() == audit_before
    assert d.audit_path.with_name(d.audit_path.name + ".key").read_bytes() == key_before
