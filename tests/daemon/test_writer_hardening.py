"""Writer defects that hostile testing found, each reproduced against the real binary and a
real redis-server: a file-size limit killed the daemon, a torn audit line survived restarts,
the audit recorded mutations that never happened, slow clients locked everyone out, URL
passwords leaked, SIGHUP killed the daemon, probes by IP were refused, /readyz lied about a
hung Redis, weak ETags matched, and metrics hid an outcome."""

import json
import os
import signal
import socket
import threading
import time

import pytest

from tests.daemon.helpers import metric, raw_http
from tests.support.daemon import ALICE, has_failpoints
from tests.support.redis_server import redis_keys
from tests.support.waiting import wait_until

needs_failpoints = pytest.mark.skipif(not has_failpoints(), reason="needs a build with OMEGA_FAILPOINTS=ON")


def audit_records(d):
    return [json.loads(line) for line in d.audit_path.read_text().splitlines()]


# ---- 7: SIGXFSZ ---------------------------------------------------------------------------


def test_sigxfsz_past_ulimit_is_a_503_not_a_dead_daemon(make_daemon):
    d = make_daemon(start=False)
    # 2 KiB per file: the .env (~500 bytes) and its temp file fit, the audit log fills up.
    # Whichever file fills first (the durable history's lines are the longest) refuses the
    # patch: 500 storage_error for the history, 503 audit_unavailable for the audit log.
    d.start(prefix=("bash", "-c", 'ulimit -f 2; exec "$@"', "ulimit"))
    statuses = [d.patch({"REQUEST_TIMEOUT": 30 + i}).status for i in range(12)]
    assert statuses[0] == 200 and {500, 503} & set(statuses), statuses
    refused = d.patch({"REQUEST_TIMEOUT": 99})
    assert refused.status in (500, 503), refused
    assert refused.json["error"] in ("storage_error", "audit_unavailable"), refused
    assert d.proc.poll() is None, "the daemon died"
    assert d.request("GET", "/healthz", token=None).status == 200
    records = audit_records(d)  # every line whole
    committed = {r["request_id"] for r in records if r["outcome"] == "committed"}
    for record in records:  # an aborted record only follows its own committed one
        assert record["outcome"] in ("committed", "aborted")
        assert record["outcome"] == "committed" or record["request_id"] in committed
    assert "REQUEST_TIMEOUT=99" not in d.env_path.read_text()


# ---- 8: a torn audit tail -----------------------------------------------------------------


def test_torn_audit_tail_is_repaired_at_start(make_daemon):
    d = make_daemon()
    assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    d.stop()
    whole = d.audit_path.read_bytes()
    d.audit_path.write_bytes(whole + b'{"time":"2026-11-30T00:00:00Z","action":"pat')  # a crash mid-append
    d.start()
    assert d.audit_path.read_bytes() == whole, "the torn line was not cut back"
    assert "torn" in d.log()
    assert d.patch({"LOG_LEVEL": "ERROR"}).status == 200
    assert [r["version_after"] for r in audit_records(d)] == ["2", "3"]


# ---- 9: the audit records only what happened ----------------------------------------------


@needs_failpoints
def test_failed_mutation_appends_an_aborted_audit_record(make_daemon, redis_server):
    d = make_daemon(start=False)
    d.start(extra_env={"OMEGA_FAILPOINT": "patch.env.create:fail"})  # as an unwritable directory would
    env_before, redis_before = d.env_path.read_bytes(), redis_keys(redis_server)
    r = d.patch({"LOG_LEVEL": "DEBUG"})
    assert r.status == 500 and r.json["error"] == "storage_error", r
    assert d.env_path.read_bytes() == env_before and redis_keys(redis_server) == redis_before
    records = audit_records(d)
    assert [rec["outcome"] for rec in records] == ["committed", "aborted"]
    assert records[0]["request_id"] == records[1]["request_id"] == r.header("X-Request-Id")
    assert "cannot create" in records[1]["reason"]
    d.stop()
    d.start()
    ok = d.patch({"LOG_LEVEL": "DEBUG"})
    assert ok.status == 200
    assert audit_records(d)[-1]["outcome"] == "committed"
    assert audit_records(d)[-1]["version_after"] == ok.json["version"]


# ---- 10: slow clients ---------------------------------------------------------------------


def trickle(port, stop, interval=0.5):
    """A client that sends a request line, then one header byte at a time, forever."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /config/patch HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    try:
        while not stop.is_set():
            s.sendall(b"X")
            stop.wait(interval)
    except OSError:
        pass  # cut by the server
    finally:
        s.close()


def start_tricklers(port, n):
    stop = threading.Event()
    threads = [threading.Thread(target=trickle, args=(port, stop), daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    return stop, threads


def test_slow_clients_do_not_lock_out_loopback_or_probes(make_daemon):
    d = make_daemon()
    stop, threads = start_tricklers(d.port, 16)  # the whole old per-address budget of 127.0.0.1
    try:
        assert d.request("GET", "/healthz", token=None).status == 200
        assert d.request("GET", "/config", token=None).status == 200
        assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    finally:
        stop.set()
        for t in threads:
            t.join(5)


def test_probes_answer_while_slow_clients_hold_every_other_slot(make_daemon):
    d = make_daemon(args=["--max-connections", "4", "--request-timeout", "60"])
    stop, threads = start_tricklers(d.port, 4)
    try:
        for path in ("/healthz", "/readyz", "/metrics"):
            assert d.request("GET", path, token=None).status == 200, path
        busy = d.request("GET", "/config", token=None)
        assert busy.status == 503 and busy.json["error"] == "server_busy", busy
    finally:
        stop.set()
        for t in threads:
            t.join(5)


def test_request_timeout_is_a_total_deadline_not_an_idle_timer(make_daemon):
    d = make_daemon(args=["--request-timeout", "2", "--idle-timeout", "30"])
    s = socket.create_connection(("127.0.0.1", d.port))
    s.sendall(b"GET /config HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    started = time.monotonic()
    cut = False
    try:
        while time.monotonic() - started < 10:  # each byte comes well within the idle timeout
            s.sendall(b"X")
            time.sleep(0.3)
    except OSError:
        cut = True
    finally:
        s.close()
    assert cut, "a client trickling one byte every 0.3 s held its connection for 10 s"
    assert time.monotonic() - started < 8


# ---- 11: URL credentials ------------------------------------------------------------------


def test_url_credentials_are_masked_in_every_output(daemon, redis_server, spy):
    r = daemon.patch({"REDIS_URL": "redis://:s3cret-pw@cache.internal:6379/0"})
    assert r.status == 200
    assert "s3cret-pw" not in daemon.request("GET", "/config", token=None).body
    assert "redis://:**********@cache.internal:6379/0" in daemon.request("GET", "/config", token=None).body
    assert "s3cret-pw" not in daemon.request("GET", "/config/history", token=None).body
    assert "s3cret-pw" not in daemon.audit_path.read_text()
    assert "s3cret-pw" not in daemon.log()
    assert all("s3cret-pw" not in m for m in spy.drain())
    bad = daemon.patch({"REDIS_URL": "redis://user:s3cret-pw@cache.internal:notaport/0", "REQUEST_TIMEOUT": -5})
    assert "s3cret-pw" not in bad.body
    snapshot = json.loads(redis_keys(redis_server)[0])
    assert snapshot["REDIS_URL"] == "redis://:s3cret-pw@cache.internal:6379/0", "readers need it in the snapshot"


# ---- 12: signals --------------------------------------------------------------------------


def test_sighup_reopens_the_log_and_audit_files(make_daemon, tmp_path):
    log_file = tmp_path / "settingsd.log"
    d = make_daemon(args=["--log-file", str(log_file)])
    assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    os.rename(d.audit_path, str(d.audit_path) + ".1")  # what logrotate does
    os.rename(log_file, str(log_file) + ".1")
    d.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: log_file.exists() and "SIGHUP: reopened" in log_file.read_text(), what="the reopen logged")
    assert d.proc.poll() is None, "SIGHUP killed the daemon"
    assert d.patch({"LOG_LEVEL": "ERROR"}).status == 200
    assert [r["version_after"] for r in audit_records(d)] == ["3"], "the new record goes to the new file"
    assert "patch by" in log_file.read_text()


@needs_failpoints
def test_sigterm_finishes_the_mutation_in_flight(make_daemon, redis_server):
    d = make_daemon(start=False)
    d.start(extra_env={"OMEGA_FAILPOINT": "patch.prepared:sleep1500"})  # a slow disk
    answer = {}
    t = threading.Thread(target=lambda: answer.update(r=d.patch({"LOG_LEVEL": "DEBUG"})))
    t.start()
    time.sleep(0.5)
    d.proc.send_signal(signal.SIGTERM)
    t.join(20)
    assert answer["r"].status == 200, answer["r"]
    assert d.proc.wait(20) == 0
    assert "LOG_LEVEL=DEBUG" in d.env_path.read_text()
    assert json.loads(redis_keys(redis_server)[0])["LOG_LEVEL"] == "DEBUG"


# ---- 13: Host and framing -----------------------------------------------------------------


def raw_status(port, request: bytes) -> int:
    reply = raw_http(port, request)
    return int(reply.split(b" ")[1]) if reply.startswith(b"HTTP/") else 0


def test_probes_by_ip_are_served_and_malformed_hosts_are_400(daemon):
    p = daemon.port
    assert daemon.request("GET", "/healthz", token=None, headers={"Host": f"10.1.2.3:{p}"}).status == 200
    assert daemon.request("GET", "/metrics", token=None, headers={"Host": "[fd00::7]"}).status == 200
    for host in ("127.0.0.1:abc", "127.0.0.1:99999", "127.0.0.1 x"):
        assert raw_status(p, f"GET /config HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()) == 400, host
    assert raw_status(p, b"GET /config HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: 127.0.0.1\r\n\r\n") == 400
    assert raw_status(p, b"GET /config HTTP/1.1\r\nAccept: */*\r\n\r\n") == 400, "HTTP/1.1 without Host"
    assert raw_status(p, b"GET /config HTTP/1.1\r\nHost: evil.example\r\n x.example\r\n\r\n") == 400, "folded Host"


def test_content_length_with_transfer_encoding_is_400(world, daemon):
    before = world.capture()
    body = b'{"updates":{"LOG_LEVEL":"DEBUG"}}'
    request = (
        b"POST /config/patch HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
        + ALICE.encode()
        + b"\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
        + hex(len(body))[2:].encode()
        + b"\r\n"
        + body
        + b"\r\n0\r\n\r\n"
    )
    assert raw_status(daemon.port, request) == 400
    world.assert_unchanged(before)


# ---- 14: /readyz and a hung Redis ---------------------------------------------------------


def test_readyz_is_not_ready_while_redis_is_hung(make_daemon, redis_server):
    d = make_daemon(args=["--redis-timeout-ms", "500", "--reconcile-interval-ms", "600000"])
    assert d.request("GET", "/readyz", token=None).status == 200
    redis_server.pause()
    try:
        r = d.request("GET", "/readyz", token=None)
        assert r.status == 503 and r.json["redis"] is False, r
        assert "PING" in r.json["message"]
    finally:
        redis_server.resume()
    wait_until(lambda: d.request("GET", "/readyz", token=None).status == 200, what="ready again")


# ---- 15: If-Match compares strong tags only -----------------------------------------------


def test_weak_if_match_never_matches_and_star_matches_any(daemon):
    weak = daemon.request("POST", "/config/patch", {"updates": {"LOG_LEVEL": "DEBUG"}}, headers={"If-Match": 'W/"1"'})
    assert weak.status == 412 and weak.json["error"] == "precondition_failed", weak
    star = daemon.request("POST", "/config/patch", {"updates": {"LOG_LEVEL": "DEBUG"}}, headers={"If-Match": "*"})
    assert star.status == 200, star
    strong = daemon.request("POST", "/config/patch", {"updates": {"LOG_LEVEL": "INFO"}}, headers={"If-Match": '"2"'})
    assert strong.status == 200, strong


# ---- 16: metrics --------------------------------------------------------------------------


@needs_failpoints
def test_metrics_render_every_outcome_build_info_and_last_change(make_daemon):
    d = make_daemon(start=False)
    d.start(extra_env={"OMEGA_FAILPOINT": "patch.env.create:fail"})
    assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 500
    assert metric(d, 'omega_settingsd_patches_total{outcome="error"}') == 1
    body = d.request("GET", "/metrics", token=None).body
    for outcome in ("applied", "noop", "invalid", "conflict", "unavailable", "error"):
        assert f'omega_settingsd_patches_total{{outcome="{outcome}"}}' in body, outcome
    assert 'omega_settingsd_build_info{version="' in body
    assert metric(d, "omega_settingsd_last_change_timestamp_seconds") > time.time() - 3600
