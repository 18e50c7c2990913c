"""omegactl watch against the real daemon: it long-polls (GET /config?wait=S with
If-None-Match), prints each new version with its diff as soon as it is published, rides out
a daemon restart, and exits 0 on Ctrl-C. Each watch runs as a subprocess with a bounded
wait for every line it must print."""

import json
import os
import re
import select
import signal
import subprocess
import time

from tests.support.daemon import ALICE
from tests.support.omegactl import assert_no_token, base_env, ctl, omegactl_command


class Watch:
    """`omegactl watch ...` in a subprocess; stdout and stderr read as they arrive."""

    def __init__(self, daemon, *args):
        self.proc = subprocess.Popen(
            [*omegactl_command(), "watch", *args],
            env=base_env(url=daemon.base),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.seen = {self.proc.stdout: b"", self.proc.stderr: b""}

    @property
    def out(self):
        return self.seen[self.proc.stdout].decode()

    @property
    def err(self):
        return self.seen[self.proc.stderr].decode()

    def wait_for(self, stream, needle, timeout=20):
        """Reads until `needle` is in what `stream` printed; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while needle not in self.seen[stream]:
            self._read_more(deadline, f"{needle!r}")
        return self.seen[stream].decode()

    def stdout_line(self, n, timeout=20):
        """The n-th (from 1) line on stdout, waiting for it."""
        deadline = time.monotonic() + timeout
        while self.seen[self.proc.stdout].count(b"\n") < n:
            self._read_more(deadline, f"line {n} on stdout")
        return self.out.splitlines()[n - 1]

    def _read_more(self, deadline, what):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"watch never printed {what}; stdout {self.out!r}, stderr {self.err!r}")
        ready, _, _ = select.select(list(self.seen), [], [], left)
        eof = 0
        for s in ready:
            chunk = os.read(s.fileno(), 65536)
            self.seen[s] += chunk
            eof += not chunk
        if eof == len(self.seen):
            raise AssertionError(f"watch exited {self.proc.wait()} before printing {what}: {self.out!r} {self.err!r}")

    def finish(self, timeout=20):
        """Waits for the exit (after --count, or a signal); returns the exit code."""
        out, err = self.proc.communicate(timeout=timeout)
        self.seen[self.proc.stdout] += out
        self.seen[self.proc.stderr] += err
        assert_no_token(self.out, self.err)
        return self.proc.returncode

    def interrupt(self):
        self.proc.send_signal(signal.SIGINT)
        return self.finish()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def responses(daemon, code):
    """How many answers with this status the daemon has given (its /metrics)."""
    text = daemon.request("GET", "/metrics", token=None).body
    m = re.search(rf'^omega_settingsd_http_responses_total{{code="{code}"}} (\d+)$', text, re.M)
    return int(m.group(1)) if m else 0


def test_watch_long_polls_and_prints_a_patch_at_once(settingsd):
    w = Watch(settingsd)  # --wait 30 (the default): an idle watch asks once per 30 s
    try:
        w.wait_for(w.proc.stderr, b"for versions after 1")
        time.sleep(2.5)  # a poller (the old watch: every second) would have had two 304s by now
        assert responses(settingsd, 304) == 0

        started = time.monotonic()
        p = ctl("patch", "REQUEST_TIMEOUT=77", "SECRET_KEY=" + "s" * 40, token=ALICE, url=settingsd.base)
        assert p.returncode == 0, p.stderr
        event = json.loads(w.stdout_line(1))
        assert time.monotonic() - started < 5, "the long poll did not answer at once"
        assert event["version"] == "2" and event["prev_version"] == "1"
        assert event["config"]["REQUEST_TIMEOUT"] == 77 and event["config"]["SECRET_KEY"] == "**********"
        assert event["changes"] == [
            {"key": "REQUEST_TIMEOUT", "old": 30, "new": 77},
            {"key": "SECRET_KEY", "changed": True},
        ]
        assert "s" * 40 not in w.out

        assert w.interrupt() == 0  # Ctrl-C: exit 0, quietly
        assert "Traceback" not in w.err and "KeyboardInterrupt" not in w.err
        assert len(w.out.splitlines()) == 1
    finally:
        w.kill()


def test_watch_table_shows_the_version_and_its_diff(settingsd):
    w = Watch(settingsd, "-o", "table", "--count", "2")
    try:
        w.wait_for(w.proc.stderr, b"for versions after 1")
        assert ctl("patch", "LOG_LEVEL=DEBUG", "REQUEST_TIMEOUT=45", token=ALICE, url=settingsd.base).returncode == 0
        w.wait_for(w.proc.stdout, b"REQUEST_TIMEOUT  30 \xe2\x86\x92 45\n")
        assert ctl("patch", "LOG_LEVEL=INFO", token=ALICE, url=settingsd.base).returncode == 0
        assert w.finish() == 0  # --count 2
    finally:
        w.kill()
    lines = w.out.splitlines()
    assert re.fullmatch(r"v2 \(was v1\) at \d\d:\d\d:\d\d: 2 changes", lines[0]), lines
    assert [line.split() for line in lines[1:3]] == [
        ["LOG_LEVEL", "INFO", "→", "DEBUG"],
        ["REQUEST_TIMEOUT", "30", "→", "45"],
    ]
    assert re.fullmatch(r"v3 \(was v2\) at \d\d:\d\d:\d\d: 1 change", lines[3]), lines
    assert lines[4].split() == ["LOG_LEVEL", "DEBUG", "→", "INFO"]


def test_watch_stops_quietly_on_ctrl_c_while_waiting(settingsd):
    w = Watch(settingsd)
    try:
        w.wait_for(w.proc.stderr, b"Ctrl-C")
        assert w.interrupt() == 0
    finally:
        w.kill()
    assert w.out == ""
    assert w.err.splitlines() == [f"omegactl: watching {settingsd.base} for versions after 1 (Ctrl-C to stop)"]


def test_watch_backs_off_and_carries_on_across_a_daemon_restart(settingsd):
    w = Watch(settingsd, "--count", "1")
    try:
        w.wait_for(w.proc.stderr, b"after 1")
        settingsd.stop()  # answers the parked long poll (304) and stops
        note = w.wait_for(w.proc.stderr, b"retrying")
        # The parked poll ends with the stop (304, or the connection closed if the stop wins
        # the race); then the port refuses.
        assert ("cannot connect" in note or "closed the connection" in note) and "backing off to 5s" in note
        time.sleep(3)  # several failed attempts: each kind of failure is said once
        retries = [line for line in w.err.splitlines() if "retrying" in line]
        assert len(retries) == len(set(retries)), w.err
        settingsd.start()
        w.wait_for(w.proc.stderr, b"reconnected", timeout=30)
        assert ctl("patch", "MAX_CONCURRENT_TASKS=16", token=ALICE, url=settingsd.base).returncode == 0
        assert w.finish(timeout=30) == 0
    finally:
        w.kill()
    event = json.loads(w.out)
    assert event["version"] == "2" and event["config"]["MAX_CONCURRENT_TASKS"] == 16
    assert event["changes"] == [{"key": "MAX_CONCURRENT_TASKS", "old": 8, "new": 16}]


def test_watch_since_prints_the_current_version_at_once(settingsd):
    for timeout in (45, 46):
        assert ctl("patch", f"REQUEST_TIMEOUT={timeout}", token=ALICE, url=settingsd.base).returncode == 0
    # Already past version 1: the current version (3) is printed at once, with the diff from 1.
    p = ctl("watch", "--since", "1", "--count", "1", url=settingsd.base, timeout=20)
    assert p.returncode == 0, p.stderr
    (line,) = p.stdout.splitlines()
    event = json.loads(line)
    assert event["version"] == "3" and event["prev_version"] == "1"
    assert event["changes"] == [{"key": "REQUEST_TIMEOUT", "old": 30, "new": 46}]
    # A version the history never held: the version still shows, its diff is unknown.
    p = ctl("watch", "--since", "0", "--count", "1", "-q", url=settingsd.base, timeout=20)
    assert p.returncode == 0 and json.loads(p.stdout)["changes"] is None and p.stderr == ""


def test_watch_arguments(settingsd):
    for args in (["--wait", "0"], ["--wait", "61"], ["--count", "0"], ["--since", "x"]):
        p = ctl("watch", *args, url=settingsd.base)
        assert p.returncode == 2 and "usage: omegactl watch" in p.stderr, args
    # --interval (the polling watch's option) is still accepted, and said to be ignored.
    w = Watch(settingsd, "--interval", "0.1", "--count", "1")
    try:
        w.wait_for(w.proc.stderr, b"after 1")
        assert "--interval is ignored" in w.err
        assert ctl("patch", "LOG_LEVEL=DEBUG", token=ALICE, url=settingsd.base).returncode == 0
        assert w.finish() == 0 and json.loads(w.out)["version"] == "2"
    finally:
        w.kill()
