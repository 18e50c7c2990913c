"""Reader defects that hostile testing found, seen from Python: the status said READY while
nothing synced, a failed require froze the reader, an older snapshot in Redis went unnoticed,
and Ctrl-C waited for the whole connect timeout."""

import hashlib
import json
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time

import omega_config
import pytest

from tests.support.waiting import wait_until

FAST = dict(poll_interval_ms=200, heartbeat_ms=200, connect_timeout_ms=500, command_timeout_ms=500)


def test_status_goes_stale_when_syncs_stop(writer, open_manager):
    writer.publish({"LOG_LEVEL": "INFO"})
    cfg = open_manager(**FAST)
    release = threading.Event()
    cfg.on_reload(lambda version, changed: release.wait(30))  # the watcher is stuck in here
    writer.update(LOG_LEVEL="DEBUG")
    try:
        wait_until(lambda: cfg.status.state == "STALE", timeout=5, what="STALE while nothing syncs")
        status = cfg.status
        assert status.ms_since_sync > FAST["poll_interval_ms"] + FAST["command_timeout_ms"]
        assert "no successful sync" in status.last_error
    finally:
        release.set()
    wait_until(lambda: cfg.status.state == "READY", timeout=5, what="READY once syncing resumed")


def test_failed_require_is_not_remembered(writer, open_manager):
    writer.publish({"LOG_LEVEL": "INFO"})
    cfg = open_manager(**FAST)
    with pytest.raises(omega_config.MissingConfigError) as e:
        cfg.require(["A", "LOG_LEVEL", "B"])
    assert "A" in str(e.value) and "B" in str(e.value)
    writer.update(LOG_LEVEL="ERROR")
    wait_until(lambda: cfg.version == 2, timeout=5, what="version 2 (a failed require froze the reader)")
    assert cfg.status.state == "READY" and cfg.get("LOG_LEVEL") == "ERROR"


def publish_with_meta(client, values, version, epoch):
    raw = json.dumps(values)
    meta = {"version": version, "epoch": epoch, "sha256": hashlib.sha256(raw.encode()).hexdigest()}
    message = {"event": "updated", "version": str(version), "prev_version": "0", "changed": []}
    with client.pipeline(transaction=True) as pipe:
        pipe.set("omega:config", raw)
        pipe.set("omega:config:version", str(version))
        pipe.set("omega:config:meta", json.dumps(meta))
        pipe.publish("config_channel", json.dumps(message))
        pipe.execute()


def test_older_snapshot_in_same_epoch_is_visible(redis_server, open_manager):
    client = redis_server.client()
    publish_with_meta(client, {"LOG_LEVEL": "INFO"}, 5, "e1")
    cfg = open_manager(**FAST)
    publish_with_meta(client, {"LOG_LEVEL": "DEBUG"}, 3, "e1")  # Redis restored from an old dump
    wait_until(lambda: cfg.status.state == "STALE", timeout=5, what="the older snapshot made visible")
    assert cfg.version == 5 and cfg.get("LOG_LEVEL") == "INFO", "never go back within an epoch"
    assert "older than the applied version 5" in cfg.status.last_error


OPEN_AGAINST_A_SILENT_SERVER = textwrap.dedent(
    """
    import sys, time
    import omega_config
    print("opening", flush=True)
    started = time.monotonic()
    try:
        omega_config.create_config_manager(sys.argv[1], connect_timeout_ms=30000, command_timeout_ms=30000)
    except KeyboardInterrupt:
        print(f"interrupted after {time.monotonic() - started:.3f}", flush=True)
        sys.exit(0)
    print("opened?!", flush=True)
    sys.exit(1)
    """
)


def test_ctrl_c_during_open_is_delivered_promptly():
    # A server that accepts and never answers: the open waits for its SUBSCRIBE reply.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        proc = subprocess.Popen(
            [sys.executable, "-c", OPEN_AGAINST_A_SILENT_SERVER, url], stdout=subprocess.PIPE, text=True
        )
        try:
            assert proc.stdout.readline().strip() == "opening"
            time.sleep(0.5)  # well inside the open
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
            out = proc.stdout.readline().strip()
            waited = time.monotonic() - sent
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert out.startswith("interrupted"), out
    assert proc.returncode == 0
    # The open's own timeout is 30 s; the interrupt must not wait for it.
    assert waited < 5, f"KeyboardInterrupt arrived {waited:.1f} s after SIGINT"
