"""omega-swarm (bench/fanout/omega_swarm.c) as the tests and the fan-out benchmark drive it: a
process holding many C reader handles, each printing what it installs, with its receive time.

The binary comes from $OMEGA_SWARM_BIN, else the first of build/dev, build/release that has it.
"""

import os
import signal
import subprocess
import threading
import time

import pytest

from tests.support.paths import REPO
from tests.support.waiting import wait_until


def swarm_binary(required=True):
    candidates = [os.environ.get("OMEGA_SWARM_BIN", "")]
    candidates += [str(REPO / "build" / p / "bench" / "fanout" / "omega-swarm") for p in ("dev", "release")]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    if required:
        pytest.fail(
            "omega-swarm not built: cmake --build --preset dev --target omega-swarm, or set OMEGA_SWARM_BIN "
            "(scripts/test-python.sh builds it)"
        )
    return None


class Swarm:
    """One omega-swarm process with `handles` handles on `url`.

    installs[idx] is the list of (version, realtime_ns, value) the handle reported, in order;
    status() asks every handle's status (SIGUSR1) and returns {idx: (state, version, ms, error)}."""

    def __init__(self, url, handles, key="SERVICE_NAME", prefix=None, fast=True, extra=(), binary=None):
        args = [binary or swarm_binary(), "--url", url, "--handles", str(handles), "--key", key]
        args += ["--max-seconds", "900"]
        if prefix:
            args += ["--prefix", prefix]
        if fast:
            args.append("--fast")
        args += list(extra)
        self.n = handles
        self.installs = {i: [] for i in range(handles)}
        self.errors = []
        self.opened = None  # (ok, failed, ms) once every handle is open
        self._status = {}
        self._status_done = threading.Event()
        self._lock = threading.Lock()
        self.proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            parts = line.rstrip("\n").split(" ", 5)
            tag = parts[0]
            with self._lock:
                if tag == "v":
                    self.installs[int(parts[1])].append(
                        (int(parts[2]), int(parts[3]), parts[4] if len(parts) > 4 else "")
                    )
                elif tag == "open":
                    self.opened = (int(parts[1]), int(parts[2]), int(parts[3]))
                elif tag == "e":
                    self.errors.append(line.strip())
                elif tag in ("s", "f"):
                    self._status[int(parts[1])] = (
                        parts[2],
                        int(parts[3]),
                        int(parts[4]),
                        parts[5] if len(parts) > 5 else "",
                    )
                elif tag in ("s-end", "f-end"):
                    self._status_done.set()

    def wait_open(self, timeout=60):
        wait_until(
            lambda: self.opened is not None or self.proc.poll() is not None, timeout=timeout, what="omega-swarm to open"
        )
        if self.opened is None:
            raise AssertionError(f"omega-swarm exited {self.proc.returncode} before opening its handles")
        return self.opened

    def status(self, timeout=20):
        with self._lock:
            self._status = {}
            self._status_done.clear()
        self.proc.send_signal(signal.SIGUSR1)
        if not self._status_done.wait(timeout):
            raise AssertionError("omega-swarm did not report its status")
        with self._lock:
            return dict(self._status)

    def versions(self, idx):
        with self._lock:
            return [v for v, _, _ in self.installs[idx]]

    def latest(self, idx):
        with self._lock:
            return self.installs[idx][-1] if self.installs[idx] else None

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)


def realtime_to_monotonic(ns):
    """A realtime timestamp (ns) on the monotonic clock of this process."""
    return ns / 1e9 - time.time() + time.monotonic()
