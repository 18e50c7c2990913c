"""The failover drill's moving parts, shared by the Sentinel and the cluster drills
(tests/python/test_failover_drill.py, tests/python/test_cluster.py):

- the writer: omega-settingsd on the replicated Redis, with --min-replicas;
- readers: C handles (one omega-swarm process) and Python handles (ConfigManager, in this
  process), every one recording each version it installs and when;
- a patcher that patches SERVICE_NAME=drill-<n> continuously and records every answer;
- a /readyz sampler.

Drill.check() asserts what the issue asks after a fault: every acknowledged patch is in the
primary and in every reader, no reader's version ever goes back, the readers converge within
the bound, and /readyz said 503 while there was no primary to write to.
"""

import json
import threading
import time
import types

import omega_config

from tests.support.daemon import example_daemon
from tests.support.swarm import Swarm, realtime_to_monotonic
from tests.support.waiting import wait_until

KEY = "SERVICE_NAME"

# Reader options of the drill (the swarm's --fast): what the convergence bound is stated for.
FAST = dict(
    connect_timeout_ms=500, command_timeout_ms=500, poll_interval_ms=500, heartbeat_ms=250, reconnect_max_ms=500
)

# A reader converges within this many seconds of the first patch acknowledged after the
# promotion (docs/scale.md states it): a reconnect (backoff <= reconnect_max 0.5 s, jittered),
# a second one when the first lands mid-failover (0.5 s), connect + Sentinel (<= 0.5 s each),
# the resync jitter (<= min(poll, 1 s) = 0.5 s), the fetch; or the backstop poll (0.5 s).
# On this 2-core machine, shared with builds, a slack of 2 s on top.
CONVERGE_BOUND_S = 2 * 0.5 + 2 * 0.5 + 0.5 + 2.0


class Patcher(threading.Thread):
    """Patches continuously; answers holds (t_sent, t_answered, n, status, version)."""

    def __init__(self, daemon, pause_s=0.03):
        super().__init__(daemon=True)
        self.d = daemon
        self.pause_s = pause_s
        self.answers = []
        self.stopping = threading.Event()
        self.n = 0

    def run(self):
        while not self.stopping.is_set():
            self.n += 1
            t0 = time.monotonic()
            try:
                r = self.d.patch({KEY: f"drill-{self.n}"})
                status, body = r.status, r.json if r.body.startswith("{") else {}
            except OSError as e:
                status, body = 0, {"error": str(e)}
            version = int(body["version"]) if status == 200 else None
            self.answers.append((t0, time.monotonic(), self.n, status, version, body.get("error")))
            time.sleep(self.pause_s)

    def stop(self):
        self.stopping.set()
        self.join(30)

    def acked(self, after=0.0):
        """(t_answered, n, version) of every 200 answered after `after`."""
        return [(t1, n, v) for t0, t1, n, s, v, _ in self.answers if s == 200 and t1 >= after]


class ReadyzSampler(threading.Thread):
    def __init__(self, daemon, every_s=0.05):
        super().__init__(daemon=True)
        self.d = daemon
        self.every_s = every_s
        self.samples = []  # (t_sent, t_answered, status)
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            t0 = time.monotonic()
            try:
                s = self.d.request("GET", "/readyz", token=None).status
            except OSError:
                s = 0
            self.samples.append((t0, time.monotonic(), s))
            time.sleep(self.every_s)

    def stop(self):
        self.stopping.set()
        self.join(30)


class PyReaders:
    """n ConfigManagers in this process; installs[i] = [(version, t_monotonic, value)]."""

    def __init__(self, url, n, prefix=None):
        self.managers = []
        self.installs = []
        opts = dict(FAST)
        if prefix:
            opts["namespace_prefix"] = prefix
        for _ in range(n):
            cfg = omega_config.create_config_manager(url, **opts)
            log = [(cfg.version, time.monotonic(), cfg.get(KEY))]
            self.installs.append(log)
            cfg.on_reload(self._recorder(cfg, log))
            self.managers.append(cfg)

    @staticmethod
    def _recorder(cfg, log):
        def record(version, changed):
            log.append((version, time.monotonic(), cfg.get(KEY)))

        return record

    def close(self):
        for m in self.managers:
            m.close()


class Drill:
    def __init__(self, workdir, url, c_readers=8, py_readers=4, prefix=None, daemon_args=()):
        self.url = url
        args = ["--min-replicas", "1", "--min-replicas-timeout-ms", "500", "--redis-timeout-ms", "500"]
        if prefix:
            args += ["--key-prefix", prefix]
        self.daemon = example_daemon(workdir, types.SimpleNamespace(url=url), args=[*args, *daemon_args])
        self.prefix = prefix
        self.c_readers = c_readers
        self.py_readers = py_readers
        self.swarm = self.py = self.patcher = self.readyz = None
        self.report = {}

    def start(self):
        self.daemon.start()
        self.swarm = Swarm(self.url, self.c_readers, prefix=self.prefix)
        ok, failed, _ = self.swarm.wait_open()
        assert (ok, failed) == (self.c_readers, 0), self.swarm.errors
        self.py = PyReaders(self.url, self.py_readers, prefix=self.prefix)
        self.patcher = Patcher(self.daemon)
        self.readyz = ReadyzSampler(self.daemon)
        self.patcher.start()
        self.readyz.start()
        wait_until(lambda: len(self.patcher.acked()) >= 5, timeout=20, what="the first acknowledged patches")
        return self

    def stop(self):
        for part in (self.patcher, self.readyz):
            if part is not None:
                part.stop()
        if self.swarm is not None:
            self.swarm.stop()
        if self.py is not None:
            self.py.close()
        self.daemon.stop()

    # ---- readers, uniformly -------------------------------------------------------------

    def reader_logs(self):
        """{name: [(version, t_monotonic, value)]} of every reader, C and Python."""
        logs = {}
        for i in range(self.c_readers):
            with self.swarm._lock:
                entries = list(self.swarm.installs[i])
            logs[f"c{i}"] = [(v, realtime_to_monotonic(t), val) for v, t, val in entries]
        for i, log in enumerate(self.py.installs):
            logs[f"py{i}"] = list(log)
        return logs

    def reader_states(self):
        states = {f"c{i}": (s[0], s[1]) for i, s in self.swarm.status().items()}
        for i, m in enumerate(self.py.managers):
            st = m.status
            states[f"py{i}"] = (st.state, st.version)
        return states

    # ---- after the fault -------------------------------------------------------------------

    def finish(self, t_ref, post_s=3.0):
        """Patches on for post_s after t_ref (the promotion, or the fault when nothing is
        promoted), then stops the patcher and waits for every reader to reach the writer's
        final version."""
        wait_until(lambda: time.monotonic() >= t_ref + post_s, timeout=post_s + 5, what="the post-fault period")
        self.patcher.stop()
        final = int(self.daemon.config()["version"])
        self.final_version = final

        def all_there():
            logs = self.reader_logs()
            return all(log and log[-1][0] >= final for log in logs.values())

        wait_until(all_there, timeout=30, what=f"every reader to install version {final}")
        self.readyz.stop()
        return final

    def check(self, t_fault, t_ref, primary_client, gap_expected):
        """The drill's assertions; returns the measurements for the report. primary_client:
        a callable giving a client of the primary now (after a double failover, not the
        first promoted node)."""
        rep = {}
        acked = self.patcher.acked()
        assert acked, "no patch was acknowledged"
        _, last_n, last_v = max(acked, key=lambda a: a[2])

        # Nothing acknowledged is lost: the primary (the one there is now) holds the writer's
        # version -- at least every acknowledged one -- and the value of the last acknowledged
        # patch or a later one. After a double failover the writer may still be republishing
        # what the last promotion lost: wait until primary and writer agree.
        names = ("omega:config", "omega:config:version")
        if self.prefix:
            names = tuple(f"{self.prefix}:{n}" for n in names)

        def agreed():
            snap, version = primary_client().mget(*names)
            writer = self.daemon.config()
            if version is None or int(version) != int(writer["version"]):
                return None
            return snap, int(version), writer["config"][KEY]

        snap, final, writer_value = wait_until(agreed, timeout=30, what="the primary and the writer to agree")
        rep["republished_after_finish"] = final - self.final_version
        self.final_version = final
        assert final >= last_v
        value = json.loads(snap)[KEY]
        assert value == writer_value
        assert value.startswith("drill-") and int(value.split("-")[1]) >= last_n, (value, last_n)
        wait_until(
            lambda: all(log and log[-1][0] >= final for log in self.reader_logs().values()),
            timeout=30,
            what=f"every reader to install version {final}",
        )

        # Versions never go back, in any reader; every reader ends READY at the final version.
        logs = self.reader_logs()
        for name, log in logs.items():
            versions = [v for v, _, _ in log]
            assert versions == sorted(set(versions)), f"{name} went back: {versions}"
            assert log[-1][0] == final and log[-1][2] == value, (name, log[-1], final, value)
        states = self.reader_states()
        assert all(s == ("READY", final) for s in states.values()), states

        # Convergence: from the answer to the first patch sent after t_ref (and acknowledged)
        # to each reader installing it.
        after = [(t0, t1, v) for t0, t1, n, s, v, _ in self.patcher.answers if s == 200 and t0 >= t_ref]
        assert after, "no patch was acknowledged after the promotion: the writer did not find the new primary"
        _, t_ack1, v1 = min(after)
        lags = []
        for log in logs.values():
            t_in = next(t for v, t, _ in log if v >= v1)
            lags.append(max(0.0, t_in - t_ack1))
        rep["writer_back_s"] = round(t_ack1 - t_ref, 3)
        rep["converge_max_s"] = round(max(lags), 3)
        rep["converge_p50_s"] = round(sorted(lags)[len(lags) // 2], 3)
        assert max(lags) <= CONVERGE_BOUND_S, f"a reader took {max(lags):.2f} s (bound {CONVERGE_BOUND_S} s)"

        # /readyz tells the truth: 503 for every probe made wholly inside the gap (no primary
        # to write to), 200 again at the end; and no patch acknowledged inside the gap.
        samples = self.readyz.samples
        if gap_expected:
            inside = [s for t0, t1, s in samples if t0 > t_fault + 0.05 and t1 < t_ref - 0.05]
            assert all(s == 503 for s in inside), inside
            rep["readyz_503_in_gap"] = len(inside)
            in_gap = [a for a in acked if t_fault + 0.6 < a[0] < t_ref - 0.05]
            assert not in_gap, f"patches acknowledged while there was no primary: {in_gap}"
        else:
            rep["readyz_non_200"] = sum(1 for *_, s in samples if s != 200)
        assert samples[-1][2] == 200, samples[-5:]
        failed = [a for a in self.patcher.answers if a[3] != 200]
        rep["patches"] = len(self.patcher.answers)
        rep["acked"] = len(acked)
        rep["refused"] = sorted({a[5] for a in failed if a[5]})
        rep["final_version"] = final
        self.report = rep
        return rep
