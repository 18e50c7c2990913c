"""Hot reload: callbacks, what they see, unregistering, errors in callbacks."""

import queue
import subprocess
import sys
import textwrap

import pytest

from tests.support.waiting import wait_until

BASE = {"REDIS_URL": "redis://cache:6379/0", "LOG_LEVEL": "INFO", "REQUEST_TIMEOUT": 30}


def test_callback_gets_version_and_exact_changed_keys(writer, open_manager):
    writer.publish(BASE)
    cfg = open_manager()
    seen = queue.Queue()
    cfg.on_reload(lambda version, changed: seen.put((version, changed)))
    v2 = writer.publish({**BASE, "LOG_LEVEL": "DEBUG", "MONGO_URI": "mongodb://m"}, changed=["LOG_LEVEL"])
    version, changed = seen.get(timeout=15)
    assert version == v2
    # Diffed locally, not taken from the (possibly wrong) message.
    assert sorted(changed) == ["LOG_LEVEL", "MONGO_URI"]


def test_reads_inside_the_callback_see_the_new_version(writer, open_manager):
    writer.publish(BASE)
    cfg = open_manager()
    seen = queue.Queue()
    cfg.on_reload(lambda version, changed: seen.put((version, cfg.version, cfg.log_level, cfg.get("LOG_LEVEL"))))
    v2 = writer.update(LOG_LEVEL="ERROR")
    assert seen.get(timeout=15) == (v2, v2, "ERROR", "ERROR")
    assert cfg.log_level == "ERROR"


def test_removed_key_disappears_after_reload(writer, open_manager):
    writer.publish({**BASE, "MONGO_URI": "mongodb://m"})
    cfg = open_manager()
    assert cfg.mongo_uri == "mongodb://m"
    v2 = writer.update(MONGO_URI=None)
    wait_until(lambda: cfg.version == v2, what="version 2")
    assert not hasattr(cfg, "mongo_uri")


def test_off_reload_stops_delivery(writer, open_manager):
    writer.publish(BASE)
    cfg = open_manager()
    removed, kept = [], queue.Queue()
    token = cfg.on_reload(lambda v, c: removed.append(v))
    cfg.on_reload(lambda v, c: kept.put(v))
    v2 = writer.update(REQUEST_TIMEOUT=31)
    assert kept.get(timeout=15) == v2
    cfg.off_reload(token)
    v3 = writer.update(REQUEST_TIMEOUT=32)
    assert kept.get(timeout=15) == v3
    assert removed == [v2]
    with pytest.raises(ValueError):
        cfg.off_reload(token)


def test_exception_in_callback_is_reported_and_watcher_keeps_going(writer, open_manager, monkeypatch):
    writer.publish(BASE)
    cfg = open_manager()
    reported = queue.Queue()
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.put(u.exc_value))
    calls = queue.Queue()

    def broken(version, changed):
        calls.put(version)
        raise RuntimeError(f"boom at {version}")

    cfg.on_reload(broken)
    v2 = writer.update(REQUEST_TIMEOUT=40)
    exc = reported.get(timeout=15)
    assert isinstance(exc, RuntimeError) and str(exc) == f"boom at {v2}"
    v3 = writer.update(REQUEST_TIMEOUT=41)
    assert calls.get(timeout=15) == v2
    assert calls.get(timeout=15) == v3  # the watcher survived
    wait_until(lambda: cfg.request_timeout == 41, what="the new value")


OFF_RELOAD_WHILE_RUNNING = textwrap.dedent("""
    import json, sys, threading, time
    import redis, omega_config
    url, port = sys.argv[1], int(sys.argv[2])
    cfg = omega_config.create_config_manager(url)
    entered, unregistering, finished = threading.Event(), threading.Event(), threading.Event()
    runs = []

    def slow(version, changed):
        runs.append(version)
        entered.set()
        # Python work (needs the GIL) while the other thread waits in off_reload.
        unregistering.wait(15)
        time.sleep(0.05)
        finished.set()

    token = cfg.on_reload(slow)
    r = redis.Redis(host="127.0.0.1", port=port)
    def publish(n):
        with r.pipeline(transaction=True) as p:
            p.set("omega:config", json.dumps({"REQUEST_TIMEOUT": n}))
            p.set("omega:config:version", str(n))
            p.publish("config_channel", json.dumps({"event": "updated", "version": str(n)}))
            p.execute()
    publish(2)
    assert entered.wait(15), "callback never ran"

    def unregister():
        unregistering.set()
        cfg.off_reload(token)  # waits for `slow` to return
        print("unregistered; callback finished:", finished.is_set(), flush=True)

    t = threading.Thread(target=unregister)
    t.start()
    t.join()
    publish(3)
    deadline = time.monotonic() + 15
    while cfg.version != 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    print("runs", runs, "version", cfg.version, flush=True)
    cfg.close()
""")


def test_off_reload_from_another_thread_while_callback_runs_does_not_deadlock(redis_server, writer):
    writer.publish({"REQUEST_TIMEOUT": 1})
    # In a child process: a deadlock holding the GIL would stop any in-process timeout.
    result = subprocess.run(
        [sys.executable, "-c", OFF_RELOAD_WHILE_RUNNING, redis_server.url, str(redis_server.port)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "unregistered; callback finished: True",  # off_reload waited for the running callback
        "runs [2] version 3",  # and it never ran again
    ]


def test_callback_may_unregister_itself(writer, open_manager):
    writer.publish(BASE)
    cfg = open_manager()
    runs, other = [], queue.Queue()
    token = None

    def once(version, changed):
        runs.append(version)
        cfg.off_reload(token)

    token = cfg.on_reload(once)
    cfg.on_reload(lambda v, c: other.put(v))
    writer.update(REQUEST_TIMEOUT=60)
    other.get(timeout=15)
    writer.update(REQUEST_TIMEOUT=61)
    other.get(timeout=15)
    assert len(runs) == 1


CLOSE_IN_CALLBACK_WHILE_OFF_RELOAD_WAITS = textwrap.dedent("""
    import json, sys, threading, time
    import redis, omega_config
    url, port = sys.argv[1], int(sys.argv[2])
    cfg = omega_config.create_config_manager(url)
    entered, unregistering = threading.Event(), threading.Event()

    def closer(version, changed):
        entered.set()
        unregistering.wait(15)
        time.sleep(0.3)  # let the other thread reach off_reload and wait for us
        cfg.close()      # on the watcher thread: handed off, must not block
        print("callback: closed", cfg.closed, flush=True)

    token = cfg.on_reload(closer)
    r = redis.Redis(host="127.0.0.1", port=port)
    with r.pipeline(transaction=True) as p:
        p.set("omega:config", json.dumps({"REQUEST_TIMEOUT": 2}))
        p.set("omega:config:version", "2")
        p.publish("config_channel", json.dumps({"event": "updated", "version": "2"}))
        p.execute()
    assert entered.wait(15), "callback never ran"

    def unregister():
        unregistering.set()
        try:
            cfg.off_reload(token)  # waits for `closer`, which closes the manager
            print("off_reload returned", flush=True)
        except omega_config.ConfigError as exc:
            print("off_reload raised", type(exc).__name__, flush=True)

    t = threading.Thread(target=unregister)
    t.start()
    t.join(20)
    print("deadlocked" if t.is_alive() else "done", cfg.closed, flush=True)
    if t.is_alive():
        import os
        os._exit(1)  # a hung thread would also hang the exit
""")


def test_close_in_a_callback_while_another_thread_waits_in_off_reload_does_not_deadlock(redis_server, writer):
    writer.publish({"REQUEST_TIMEOUT": 1})
    # In a child process, with a generous timeout: a deadlock fails instead of hanging.
    result = subprocess.run(
        [sys.executable, "-c", CLOSE_IN_CALLBACK_WHILE_OFF_RELOAD_WAITS, redis_server.url, str(redis_server.port)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, (result.stdout, result.stderr)
    lines = result.stdout.splitlines()
    assert lines[0] == "callback: closed True"
    assert lines[1] in ("off_reload returned", "off_reload raised ConfigClosedError")
    assert lines[2] == "done True"
