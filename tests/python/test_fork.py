"""Fork safety (reader guarantee 10): pre-fork servers and multiprocessing are a main way
Python agents run. A child's exit, close or atexit hooks never touch the parent's watcher;
a child that opens its own manager follows updates too.

Each scenario runs in a fresh interpreter (the script below), so the child's sys.exit runs
the real atexit hooks, as it does in a pre-fork server."""

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import urllib.request

import pytest

from tests.support.redis_server import free_port
from tests.support.waiting import wait_until

SCENARIO = textwrap.dedent(
    """
    import json, multiprocessing, os, sys, time
    import omega_config

    mode = sys.argv[1]
    options = dict(poll_interval_ms=200, heartbeat_ms=200, connect_timeout_ms=1000, command_timeout_ms=500)
    cfg = omega_config.create_config_manager(os.environ["TEST_REDIS_URL"], **options)

    def say(**fields):
        print(json.dumps(fields), flush=True)

    def wait_version(manager, version, seconds=10):
        deadline = time.monotonic() + seconds
        while manager.version < version and time.monotonic() < deadline:
            time.sleep(0.01)
        return manager.version

    def child_with_own_manager(queue):
        inherited = cfg.get("LOG_LEVEL")
        own = omega_config.create_config_manager(os.environ["TEST_REDIS_URL"], **options)
        queue.put({"inherited": inherited, "own_ready": own.version})
        queue.put({"own_after": wait_version(own, 2)})
        own.close()

    if mode in ("exit", "close"):
        pid = os.fork()
        if pid == 0:
            assert cfg.get("LOG_LEVEL") == "INFO"
            if mode == "close":
                cfg.close()
            sys.exit(0)  # runs the atexit hook that closes every handle
        _, status = os.waitpid(pid, 0)
        say(child_status=status)
    elif mode == "multiprocessing":
        queue = multiprocessing.get_context("fork").Queue()
        proc = multiprocessing.get_context("fork").Process(target=child_with_own_manager, args=(queue,))
        proc.start()
        say(**queue.get(timeout=10))
    sys.stdin.readline()  # the test has published version 2
    version = wait_version(cfg, 2)
    if mode == "multiprocessing":
        say(**queue.get(timeout=15))
        proc.join(10)
        say(child_exit=proc.exitcode)
    say(version=version, state=cfg.status.state, log_level=cfg.get("LOG_LEVEL"))
    """
)


def run_scenario(redis_server, writer, mode):
    writer.publish({"LOG_LEVEL": "INFO"})
    env = dict(os.environ, TEST_REDIS_URL=redis_server.url)
    proc = subprocess.Popen(
        [sys.executable, "-c", SCENARIO, mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        first = json.loads(proc.stdout.readline() or "{}")
        writer.update(LOG_LEVEL="DEBUG")
        proc.stdin.write("published\n")
        proc.stdin.flush()
        lines = [json.loads(line) for line in proc.stdout]
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, proc.stderr.read()
    return first, lines


@pytest.mark.parametrize("mode", ["exit", "close"])
def test_fork_child_exit_keeps_hot_reload_in_the_parent(redis_server, writer, mode):
    first, lines = run_scenario(redis_server, writer, mode)
    assert first == {"child_status": 0}, "the child aborted: close in a child must free memory only"
    assert lines[-1] == {"version": 2, "state": "READY", "log_level": "DEBUG"}


def test_multiprocessing_fork_child_opens_its_own_manager(redis_server, writer):
    first, lines = run_scenario(redis_server, writer, "multiprocessing")
    assert first == {"inherited": "INFO", "own_ready": 1}
    assert {"own_after": 2} in lines, "the child's own manager did not follow the update"
    assert {"child_exit": 0} in lines
    assert lines[-1] == {"version": 2, "state": "READY", "log_level": "DEBUG"}


GUNICORN_APP = textwrap.dedent(
    """
    import json, os
    import omega_config

    master_pid = os.getpid()
    master = omega_config.get_config_manager()  # --preload: opened in the master, inherited by workers

    def record(version, changed):
        if os.getpid() == master_pid:
            with open(os.environ["MASTER_VERSION_FILE"], "w") as f:
                f.write(str(version))

    master.on_reload(record)

    def app(environ, start_response):
        cfg = omega_config.get_config_manager()  # in a worker: the worker's own manager
        body = json.dumps({"pid": os.getpid(), "version": cfg.version, "LOG_LEVEL": cfg.get("LOG_LEVEL")})
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body.encode()]
    """
)


def get_json(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
        return json.loads(r.read())


def test_gunicorn_prefork_workers_and_master_follow_updates(redis_server, writer, tmp_path):
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable))
    if gunicorn is None:
        pytest.skip("gunicorn is not installed in this environment")
    writer.publish({"LOG_LEVEL": "INFO"})
    (tmp_path / "forkapp.py").write_text(GUNICORN_APP)
    master_file = tmp_path / "master-version"
    port = free_port()
    env = dict(os.environ, REDIS_URL=redis_server.url, MASTER_VERSION_FILE=str(master_file))
    proc = subprocess.Popen(
        [gunicorn, "--preload", "-w", "2", "-b", f"127.0.0.1:{port}", "--chdir", str(tmp_path), "forkapp:app"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        first = wait_until(lambda: _try(get_json, port), timeout=20, what="gunicorn serving")
        assert first["LOG_LEVEL"] == "INFO"
        writer.update(LOG_LEVEL="DEBUG")
        wait_until(lambda: (_try(get_json, port) or {}).get("LOG_LEVEL") == "DEBUG", what="workers at version 2")
        # Replace the workers (their exit runs the atexit hook on the inherited handle); the
        # master's own watcher must keep following.
        proc.send_signal(signal.SIGHUP)
        wait_until(lambda: (_try(get_json, port) or {}).get("version") == 2, what="new workers serving")
        writer.update(LOG_LEVEL="ERROR")
        wait_until(lambda: master_file.exists() and master_file.read_text() == "3", what="the master at version 3")
        wait_until(lambda: (_try(get_json, port) or {}).get("LOG_LEVEL") == "ERROR", what="workers at version 3")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _try(fn, *args):
    try:
        return fn(*args)
    except OSError:
        return None
