"""Opening, options, closing, and exiting with live managers."""

import subprocess
import sys
import textwrap
import threading

import omega_config
import pytest
from omega_config import (
    ConfigClosedError,
    ConfigUnavailableError,
    InvalidConfigOptionError,
    create_config_manager,
)
from plain_writer import PlainWriter

from tests.support.redis_server import free_port
from tests.support.waiting import wait_until

BASE = {"REDIS_URL": "redis://cache:6379/0", "REQUEST_TIMEOUT": 30}


def test_redis_url_comes_from_the_environment(redis_server, writer, monkeypatch):
    writer.publish(BASE)
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    with create_config_manager() as cfg:
        assert cfg.request_timeout == 30


def test_explicit_url_wins_over_the_environment(redis_server, writer, monkeypatch):
    writer.publish(BASE)
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    with create_config_manager(redis_server.url) as cfg:
        assert cfg.request_timeout == 30


def test_unreachable_redis_fails_with_a_connection_error():
    url = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(ConfigUnavailableError) as info:
        create_config_manager(url, connect_timeout_ms=500)
    assert isinstance(info.value, ConnectionError)


def test_bad_url_and_unknown_option_are_rejected():
    with pytest.raises(InvalidConfigOptionError) as info:
        create_config_manager("http://not-redis")
    assert isinstance(info.value, ValueError)
    with pytest.raises(TypeError) as info:
        create_config_manager("redis://127.0.0.1:1/0", poll_interval=5)
    assert "poll_interval" in str(info.value)


def test_namespace_prefix_option_reaches_the_c_library(redis_server):
    staging = PlainWriter(redis_server.client(), prefix="staging")
    staging.publish({"LOG_LEVEL": "DEBUG"})
    PlainWriter(redis_server.client()).publish({"LOG_LEVEL": "INFO"})
    with create_config_manager(redis_server.url, namespace_prefix="staging") as cfg:
        assert cfg.log_level == "DEBUG"
        staging.update(LOG_LEVEL="ERROR")
        wait_until(lambda: cfg.log_level == "ERROR", what="the staging update")


def test_last_known_good_file_lets_a_manager_start_while_redis_is_down(redis_server, writer, tmp_path):
    writer.publish(BASE)
    lkg = str(tmp_path / "lkg.json")
    with create_config_manager(redis_server.url, last_known_good_path=lkg) as cfg:
        assert cfg.request_timeout == 30
    redis_server.stop()
    with create_config_manager(redis_server.url, last_known_good_path=lkg, connect_timeout_ms=300) as cfg:
        assert cfg.request_timeout == 30
        assert cfg.status.state == "STALE"


def test_close_and_context_manager(writer, open_manager):
    writer.publish(BASE)
    cfg = open_manager()
    with cfg:
        assert not cfg.closed
    assert cfg.closed
    cfg.close()  # idempotent
    assert cfg.request_timeout == 30  # reads keep the last version
    assert cfg.get_int("request_timeout") == 30
    with pytest.raises(ConfigClosedError):
        cfg.on_reload(lambda v, c: None)
    with pytest.raises(ConfigClosedError):
        cfg.status


def test_close_from_inside_a_callback_does_not_deadlock(writer, open_manager):
    writer.publish(BASE)
    cfg = open_manager()
    cfg.on_reload(lambda v, c: cfg.close())
    writer.update(REQUEST_TIMEOUT=31)
    wait_until(lambda: cfg.closed, what="close from the callback")


def test_watch_log_level_without_a_manager_opens_the_default_one(redis_server, writer, monkeypatch):
    writer.publish({**BASE, "LOG_LEVEL": "ERROR"})
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    watch = omega_config.watch_log_level()
    assert watch.cfg is omega_config.get_config_manager()
    assert watch.logger.level == 40


EXIT_WITH_OPEN_MANAGER = textwrap.dedent("""
    import sys, threading
    import omega_config
    cfg = omega_config.create_config_manager(sys.argv[1])
    entered = threading.Event()
    def callback(version, changed):
        entered.set()
        sum(range(10000))   # Python work on the watcher thread at exit
    cfg.on_reload(callback)
    cfg.on_reload(lambda v, c: cfg.request_timeout)  # a cycle (collectable), still open at exit
    print("value", cfg.request_timeout, flush=True)
    sys.stdin.readline()    # the test publishes a version now
    entered.wait(10)
    print("exiting", flush=True)
    # no close(): the atexit hook must stop the watcher
""")


def test_process_exits_zero_promptly_with_an_open_manager(redis_server, writer):
    writer.publish(BASE)
    proc = subprocess.Popen(
        [sys.executable, "-c", EXIT_WITH_OPEN_MANAGER, redis_server.url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "value 30"
        writer.update(REQUEST_TIMEOUT=31)
        # Keep versions coming while the child shuts down: callbacks in flight at exit.
        stop = threading.Event()
        busy = PlainWriter(redis_server.client())

        def feed():
            while not stop.is_set():
                busy.update(REQUEST_TIMEOUT=busy.version % 300 + 1)

        feeder = threading.Thread(target=feed)
        feeder.start()
        proc.stdin.write("go\n")
        proc.stdin.flush()
        try:
            out, err = proc.communicate(timeout=30)  # a generous bound: a hang fails here
        finally:
            stop.set()
            feeder.join()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "exiting" in out
    assert "Traceback" not in err


def test_process_exits_zero_with_a_manager_in_a_daemon_thread(redis_server, writer):
    writer.publish(BASE)
    code = textwrap.dedent("""
        import sys, threading, time
        import omega_config
        def agent():
            cfg = omega_config.create_config_manager(sys.argv[1])
            cfg.on_reload(lambda v, c: time.sleep(0.01))
            while True:
                cfg.request_timeout
        threading.Thread(target=agent, daemon=True).start()
        time.sleep(0.3)
        print("bye", flush=True)
    """)
    result = subprocess.run([sys.executable, "-c", code, redis_server.url], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "bye"


DROPPED_MANAGERS_ARE_COLLECTED = textwrap.dedent("""
    import gc, os, sys, threading, time, weakref
    from omega_config import ConfigManager, watch_log_level
    url = sys.argv[1]
    def threads():
        return len(os.listdir("/proc/self/task"))
    def settle(pred):
        deadline = time.monotonic() + 15
        while not pred() and time.monotonic() < deadline:
            time.sleep(0.01)
        return pred()
    base = threads()

    def self_referring():
        cfg = ConfigManager(url)
        cfg.on_reload(lambda v, c: cfg.request_timeout)  # the callback refers to the manager
        return weakref.ref(cfg)

    def log_watched():
        cfg = ConfigManager(url)
        watch_log_level(cfg, "some.logger")  # the watch refers to the manager
        return weakref.ref(cfg)

    for make in (self_referring, log_watched):
        refs = [make() for _ in range(3)]
        gc.collect()
        print(make.__name__, "alive", sum(r() is not None for r in refs),
              "watchers left", settle(lambda: threads() == base), flush=True)

    # Collected by a GC pass on another manager's watcher thread: the close is
    # handed to a helper thread (the C library forbids closing on a watcher).
    keeper = ConfigManager(url)
    collected = threading.Event()
    garbage = [self_referring()]
    def collect(version, changed):
        gc.collect()
        collected.set()
    keeper.on_reload(collect)
    import redis, json
    r = redis.Redis.from_url(url)
    v = int(r.get("omega:config:version")) + 1
    with r.pipeline(transaction=True) as p:
        p.set("omega:config", json.dumps({"REQUEST_TIMEOUT": 31}))
        p.set("omega:config:version", str(v))
        p.publish("config_channel", json.dumps({"event": "updated", "version": str(v)}))
        p.execute()
    print("collected on the watcher", collected.wait(15) and garbage[0]() is None, flush=True)
    keeper.close()
    print("watchers left", settle(lambda: threads() == base), flush=True)
""")


def test_a_dropped_manager_with_callbacks_referring_to_it_is_collected_and_closed(redis_server, writer):
    writer.publish({**BASE, "LOG_LEVEL": "INFO"})
    result = subprocess.run(
        [sys.executable, "-c", DROPPED_MANAGERS_ARE_COLLECTED, redis_server.url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert result.stdout.splitlines() == [
        "self_referring alive 0 watchers left True",
        "log_watched alive 0 watchers left True",
        "collected on the watcher True",
        "watchers left True",
    ]
    assert "Traceback" not in result.stderr and "Exception" not in result.stderr
