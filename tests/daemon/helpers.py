"""Small shared helpers for the daemon tests (no fixtures here)."""
import json
import time

from conftest import redis_keys


def wait_until(predicate, timeout=20):
    """Polls a condition (no timing assertion: the deadline only bounds a hung test)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition never became true")


def published(redis_server):
    """(snapshot dict or None, version bytes or None, meta dict or None) as Redis holds them."""
    snap, version, meta = redis_keys(redis_server)
    return (json.loads(snap) if snap else None, version, json.loads(meta) if meta else None)


def metric(daemon, line_prefix):
    """The value of the first /metrics line starting with line_prefix, or None."""
    for line in daemon.request("GET", "/metrics", token=None).body.splitlines():
        if line.startswith(line_prefix + " "):
            return float(line.split()[-1])
    return None
