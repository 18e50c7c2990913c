"""GET /config?wait=S with If-None-Match naming the current version: the answer comes as soon
as a new version is installed, else 304 after S seconds; waiting requests hold no worker
thread (more of them than --threads still leave the daemon serving)."""

import concurrent.futures
import time


def test_a_waiting_get_returns_as_soon_as_a_patch_lands(daemon):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        waiting = pool.submit(daemon.request, "GET", "/config?wait=30", None, {"If-None-Match": '"1"'}, None)
        time.sleep(0.5)
        assert not waiting.done()
        assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
        r = waiting.result(timeout=10)
    assert time.monotonic() - started < 10
    assert r.status == 200 and r.header("ETag") == '"2"'
    assert r.json["version"] == "2" and r.json["config"]["LOG_LEVEL"] == "DEBUG"


def test_304_after_the_wait(daemon):
    started = time.monotonic()
    r = daemon.request("GET", "/config?wait=1", headers={"If-None-Match": '"1"'}, token=None)
    elapsed = time.monotonic() - started
    assert r.status == 304 and r.body == "" and r.header("ETag") == '"1"'
    assert 0.9 <= elapsed < 5, elapsed
    # A stale tag, or none, is answered at once.
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}).status == 200
    started = time.monotonic()
    r = daemon.request("GET", "/config?wait=30", headers={"If-None-Match": '"1"'}, token=None)
    assert r.status == 200 and r.json["version"] == "2"
    assert daemon.request("GET", "/config?wait=30", token=None).status == 200
    assert time.monotonic() - started < 5


def test_bad_waits_are_400(daemon):
    for q in ["0", "61", "x", "-1", ""]:
        r = daemon.request("GET", f"/config?wait={q}", headers={"If-None-Match": '"1"'}, token=None)
        assert r.status == 400 and r.json["error"] == "bad_request", q


def test_waiting_requests_hold_no_worker_thread(make_daemon):
    d = make_daemon(args=["--threads", "2"])
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        waits = [
            pool.submit(d.request, "GET", "/config?wait=20", None, {"If-None-Match": '"1"'}, None) for _ in range(5)
        ]
        time.sleep(0.5)
        # More waiters than worker threads, and the daemon still answers at once.
        started = time.monotonic()
        assert d.request("GET", "/healthz", token=None).status == 200
        assert d.patch({"LOG_LEVEL": "DEBUG"}).status == 200
        assert time.monotonic() - started < 5
        answers = [w.result(timeout=10) for w in waits]
    assert all(a.status == 200 and a.json["version"] == "2" for a in answers)


def test_stop_answers_the_waiting_requests(make_daemon):
    d = make_daemon()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(d.request, "GET", "/config?wait=60", None, {"If-None-Match": '"1"'}, None)
        time.sleep(0.5)
        assert not waiting.done(), "it waits"
        started = time.monotonic()
        d.stop()  # exits 0 (checked by stop) without waiting out the minute
        assert time.monotonic() - started < 10
        assert waiting.result(timeout=10).status == 304
