"""8 Python threads reading while versions are installed: every snapshot is complete."""

import sys
import threading

import pytest

from tests.support.waiting import wait_until

KEYS = [f"K{i:02d}" for i in range(20)]
VERSIONS = 100


def snapshot_for(n):
    # Every key of version n holds n: a mixed read would show two numbers.
    return {**{k: n for k in KEYS}, "REDIS_URL": "redis://cache:6379/0"}


@pytest.fixture
def short_gil_slices():
    # The writer and the watcher's callback get their turn between the eight
    # busy readers sooner.
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    yield
    sys.setswitchinterval(before)


def test_eight_threads_see_only_complete_snapshots_during_reloads(writer, open_manager, short_gil_slices):
    writer.publish(snapshot_for(1))
    cfg = open_manager()
    stop = threading.Event()
    errors, seen_versions = [], set()
    lock = threading.Lock()

    def reader():
        last = 0
        local_versions = set()
        try:
            while not stop.is_set():
                snap = cfg.snapshot()
                values = {snap[k] for k in KEYS}
                if values != {snap.version}:
                    errors.append(f"snapshot {snap.version} holds {sorted(values)}")
                attr = cfg.k07  # one attribute read: some installed version
                got = cfg.get("K03")
                # Never back in time, read by read; and once version N is
                # visible, values are of N or newer.
                if not max(last, snap.version) <= attr <= got:
                    errors.append(f"read {last}, snapshot {snap.version}, then {attr}, then {got}")
                last = got
                local_versions.add(snap.version)
        except Exception as exc:  # a failed read is a finding, not a crash
            errors.append(repr(exc))
        with lock:
            seen_versions.update(local_versions)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    for n in range(2, VERSIONS + 1):
        writer.publish(snapshot_for(n))
    wait_until(lambda: cfg.version == VERSIONS, timeout=30, what="the last version")
    stop.set()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert len(seen_versions) > 1, "the readers never saw a reload"
    assert cfg.snapshot() == snapshot_for(VERSIONS)
