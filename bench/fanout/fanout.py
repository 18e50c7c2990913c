"""The fan-out benchmark (docs/scale.md): how long one published version takes to reach every
reader, what it costs Redis, and the herd after a primary restart -- measured side by side in
one run on loopback.

    bench/fanout/run.sh                      # builds omega-swarm (release), then this
    bench/fanout/run.sh --quick              # a smaller sweep, for a smoke test

For each point (readers N, replicas k, snapshot size S) it starts Redis (k = 0: one node,
readers on it with redis://; k > 0: a primary, k replicas and a Sentinel, readers spread over
the replicas through redis-sentinel://), starts N reader handles in several omega-swarm
processes (bench/fanout/omega_swarm.c, the library's default options), then publishes U
versions one at a time the way omega-settingsd does (MULTI / SET x3 / PUBLISH / EXEC, no WATCH
with meta and sha256), each after every reader has the previous one. Per version:

  time from EXEC to each reader's callback (realtime clock, same machine): p50, p99, last
  Redis CPU (INFO CPU, every node) and bytes sent (INFO stats total_net_output_bytes), net of
  the idle rate measured just before (heartbeats and backstop polls of N readers)

Then, for k = 0, the herd: the primary restarts (SAVE, SIGTERM, start on the same port) and
the node's counters are sampled every 25 ms: time until every reader has re-subscribed and
re-fetched (INFO commandstats SUBSCRIBE and STRLEN calls reach N: a full fetch sends one STRLEN,
a backstop poll none), peak commands/s and new connections/s in 100 ms windows.

Results: bench/results/fanout.json and .md, plots fanout_readers.png and fanout_size.png.
Readers, Redis and this driver share the machine's cores: see docs/scale.md before reading the
numbers as Redis's limits.
"""

import argparse
import hashlib
import json
import os
import pathlib
import resource
import signal
import statistics
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import redis as redis_py  # noqa: E402

from tests.support.redis_server import RedisServer  # noqa: E402
from tests.support.sentinel import SentinelSet  # noqa: E402
from tests.support.swarm import Swarm  # noqa: E402

REDIS_ARGS = ["--maxclients", "19000", "--tcp-backlog", "4096", "--hz", "10"]
MAX_PER_PROCESS = 2000


def snapshot_of(size, seq):
    """A flat JSON object of about `size` bytes, keys sorted, with BENCH_SEQ = seq."""
    body = {"BENCH_SEQ": f"s{seq}"}
    entry = len('"KEY_00000":"' + "x" * 60 + '",')  # every key has the same size
    for i in range(max(0, size - 30) // entry):
        body[f"KEY_{i:05d}"] = "x" * 60
    return json.dumps(dict(sorted(body.items())), separators=(",", ":"))


def publish(client, version, snapshot, epoch="bench0001"):
    digest = hashlib.sha256(snapshot.encode()).hexdigest()
    meta = json.dumps({"version": version, "epoch": epoch, "sha256": digest, "writer": "fanout"})
    msg = json.dumps({"event": "updated", "version": str(version), "prev_version": str(version - 1), "changed": []})
    p = client.pipeline(transaction=True)
    p.set("omega:config", snapshot)
    p.set("omega:config:version", str(version))
    p.set("omega:config:meta", meta)
    p.publish("config_channel", msg)
    t0 = time.time_ns()
    p.execute()
    return t0


class Node:
    """Counters of one redis-server."""

    def __init__(self, server):
        self.server = server
        self.c = server.client(socket_timeout=30)

    def counters(self):
        cpu = self.c.info("cpu")
        stats = self.c.info("stats")
        return {
            "cpu": cpu["used_cpu_sys"] + cpu["used_cpu_user"],
            "out": stats["total_net_output_bytes"],
            "cmds": stats["total_commands_processed"],
            "t": time.monotonic(),
        }


def delta(nodes, before, after):
    cpu = sum(a["cpu"] - b["cpu"] for a, b in zip(after, before))
    out = sum(a["out"] - b["out"] for a, b in zip(after, before))
    return cpu, out, after[0]["t"] - before[0]["t"]


def per_node(before, after, key):
    return [a[key] - b[key] for a, b in zip(after, before)]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def start_swarms(url, n, binary):
    swarms, left = [], n
    procs = max(1, -(-n // MAX_PER_PROCESS))
    for i in range(procs):
        k = left // (procs - i)
        left -= k
        swarms.append(Swarm(url, k, key="BENCH_SEQ", fast=False, binary=binary, extra=["--open-threads", "4"]))
    for s in swarms:
        _, failed, _ = s.wait_open(timeout=300)
        if failed:
            raise RuntimeError(f"{failed} handles failed to open: {s.errors[:3]}")
    return swarms


def wait_all(swarms, version, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(s.latest(i) and s.latest(i)[0] >= version for s in swarms for i in range(s.n)):
            return True
        time.sleep(0.01)
    return False


def receive_times(swarms, version):
    out = []
    for s in swarms:
        with s._lock:
            for i in range(s.n):
                t = next((t for v, t, _ in s.installs[i] if v == version), None)
                if t is not None:
                    out.append(t)
    return out


def run_point(n, k, size, updates, binary, herd=False):
    """One measurement; returns a dict."""
    topo = None
    if k == 0:
        topo = RedisServer(extra_args=REDIS_ARGS).start()
        primary, nodes, url = topo, [topo], topo.url
    else:
        topo = SentinelSet(replicas=k, sentinels=1, quorum=1, down_after_ms=60000, redis_args=REDIS_ARGS).start()
        primary, nodes, url = topo.nodes[0], topo.nodes, topo.url()
    swarms = []
    try:
        writer = primary.client(socket_timeout=30)
        version = 1
        publish(writer, version, snapshot_of(size, 0))
        t_open = time.monotonic()
        swarms = start_swarms(url, n, binary)
        open_s = time.monotonic() - t_open
        if not wait_all(swarms, version, 60):
            raise RuntimeError("readers did not all open at version 1")
        watched = [Node(x) for x in nodes]
        spread = [x.c.info("clients")["connected_clients"] for x in watched]
        # Idle: what N readers cost with nothing published (heartbeats, backstop polls).
        time.sleep(1.0)
        b = [x.counters() for x in watched]
        time.sleep(4.0)
        a = [x.counters() for x in watched]
        idle_cpu, idle_out, idle_t = delta(watched, b, a)
        idle_node_cpu = per_node(b, a, "cpu")
        idle_cmds = sum(per_node(b, a, "cmds"))
        lat_p50, lat_p99, lat_max, missing = [], [], [], 0
        b = [x.counters() for x in watched]
        for _ in range(updates):
            version += 1
            snap = snapshot_of(size, version)
            t0 = publish(writer, version, snap)
            if not wait_all(swarms, version, 30):
                missing += 1
            times = [(t - t0) / 1e6 for t in receive_times(swarms, version)]
            if times:
                lat_p50.append(pct(times, 50))
                lat_p99.append(pct(times, 99))
                lat_max.append(max(times))
            time.sleep(0.1)
        a = [x.counters() for x in watched]
        cpu, out, t = delta(watched, b, a)
        node_cpu = [max(0.0, c - i / idle_t * t) for c, i in zip(per_node(b, a, "cpu"), idle_node_cpu)]
        cmds_net = max(0.0, sum(per_node(b, a, "cmds")) - idle_cmds / idle_t * t)
        cpu_net = max(0.0, cpu - idle_cpu / idle_t * t)
        out_net = max(0.0, out - idle_out / idle_t * t)
        res = {
            "readers": n,
            "replicas": k,
            "snapshot_bytes": len(snapshot_of(size, 2)),
            "updates": updates,
            "missing": missing,
            "open_s": round(open_s, 2),
            "connections_per_node": spread,
            "exec_to_p50_ms": round(statistics.median(lat_p50), 2),
            "exec_to_p99_ms": round(statistics.median(lat_p99), 2),
            "exec_to_last_ms": round(statistics.median(lat_max), 2),
            "exec_to_last_worst_ms": round(max(lat_max), 2),
            "redis_cpu_ms_per_update": round(cpu_net / updates * 1000, 3),
            "redis_cpu_ms_per_update_per_node": [round(c / updates * 1000, 2) for c in node_cpu],
            "commands_per_reader_update": round(cmds_net / updates / n, 2),
            "idle_commands_per_reader_s": round(idle_cmds / idle_t / n, 2),
            "redis_bytes_per_update": int(out_net / updates),
            "idle_redis_cpu_pct": round(idle_cpu / idle_t * 100, 1),
            "idle_redis_bytes_per_s": int(idle_out / idle_t),
        }
        if herd and k == 0:
            res["herd"] = measure_herd(primary, n)
        return res
    finally:
        for s in swarms:
            s.proc.send_signal(signal.SIGTERM)
        for s in swarms:
            s.stop()
        topo.cleanup()


def measure_herd(primary, n):
    """Restart the primary (data kept) and watch the readers come back."""
    samples = []
    stop = threading.Event()

    def sampler():
        c = None
        while not stop.is_set():
            try:
                if c is None:
                    c = redis_py.Redis(host="127.0.0.1", port=primary.port, socket_timeout=2)
                cs = c.info("commandstats")
                st = c.info("stats")
                samples.append(
                    (
                        time.monotonic(),
                        cs.get("cmdstat_subscribe", {}).get("calls", 0),
                        cs.get("cmdstat_strlen", {}).get("calls", 0),
                        st["total_commands_processed"],
                        st["total_connections_received"],
                    )
                )
                time.sleep(0.025)
            except (redis_py.exceptions.RedisError, OSError):
                c = None
                time.sleep(0.005)

    primary.client().save()
    primary.stop()
    t_down = time.monotonic()
    th = threading.Thread(target=sampler, daemon=True)
    th.start()
    primary.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if samples and samples[-1][2] >= n and samples[-1][1] >= n:
            break
        time.sleep(0.05)
    time.sleep(0.5)
    stop.set()
    th.join(5)
    t0 = samples[0][0]
    subscribed = next((t for t, sub, *_ in samples if sub >= n), None)
    resynced = next((t for t, _, strl, *_ in samples if strl >= n), None)

    def peak(col, window=0.1):
        best = 0.0
        j = 0
        for i in range(len(samples)):
            while samples[i][0] - samples[j][0] > window:
                j += 1
            if i > j:
                best = max(best, (samples[i][col] - samples[j][col]) / (samples[i][0] - samples[j][0]))
        return best

    return {
        "restart_s": round(t0 - t_down, 3),
        "all_resubscribed_s": round(subscribed - t0, 3) if subscribed else None,
        "all_refetched_s": round(resynced - t0, 3) if resynced else None,
        "peak_cmds_per_s": int(peak(3)),
        "peak_new_connections_per_s": int(peak(4)),
        "samples": len(samples),
    }


def plot(results, outdir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    sizes = sorted({r["snapshot_bytes"] for r in results["readers_sweep"]})
    for k in sorted({r["replicas"] for r in results["readers_sweep"]}):
        pts = sorted((r["readers"], r) for r in results["readers_sweep"] if r["replicas"] == k)
        xs = [p for p, _ in pts]
        ax.plot(xs, [r["exec_to_last_ms"] for _, r in pts], "o-", label=f"last reader, {k} replicas")
        ax.plot(xs, [r["exec_to_p50_ms"] for _, r in pts], "x--", label=f"p50, {k} replicas")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("reader handles")
    ax.set_ylabel("ms from EXEC to callback")
    ax.set_title(f"Fan-out vs readers (snapshot {sizes[0]} B, loopback, 2 vCPUs)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(outdir / "fanout_readers.png", dpi=110)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    pts = sorted((r["snapshot_bytes"], r) for r in results["size_sweep"])
    xs = [p for p, _ in pts]
    n = pts[0][1]["readers"]
    ax.plot(xs, [r["exec_to_last_ms"] for _, r in pts], "o-", label="last reader")
    ax.plot(xs, [r["exec_to_p50_ms"] for _, r in pts], "x--", label="p50")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("snapshot bytes")
    ax.set_ylabel("ms from EXEC to callback")
    ax.set_title(f"Fan-out vs snapshot size ({n} readers, one node)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(outdir / "fanout_size.png", dpi=110)


def table(rows):
    head = (
        "| readers | replicas | snapshot B | p50 ms | p99 ms | last ms (median / worst) | Redis CPU ms/update | "
        "bytes/update | idle Redis CPU % | connections per node |"
    )
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        lines.append(
            f"| {r['readers']} | {r['replicas']} | {r['snapshot_bytes']} | {r['exec_to_p50_ms']} | "
            f"{r['exec_to_p99_ms']} | {r['exec_to_last_ms']} / {r['exec_to_last_worst_ms']} | "
            f"{r['redis_cpu_ms_per_update']} | {r['redis_bytes_per_update']} | {r['idle_redis_cpu_pct']} | "
            f"{r['connections_per_node']} |"
        )
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--readers", default="100,300,1000,3000,6000")
    ap.add_argument("--replicas", default="0,2")
    ap.add_argument("--size", type=int, default=2048, help="snapshot bytes for the readers sweep")
    ap.add_argument("--sizes", default="1024,16384,131072,1048576", help="the size sweep")
    ap.add_argument("--size-readers", type=int, default=500)
    ap.add_argument("--updates", type=int, default=15)
    ap.add_argument("--quick", action="store_true", help="100 and 500 readers, two sizes, 5 updates")
    ap.add_argument("--swarm", default=str(ROOT / "build" / "release" / "bench" / "fanout" / "omega-swarm"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = ap.parse_args()
    if args.quick:
        args.readers, args.sizes, args.size_readers, args.updates = "100,500", "1024,65536", 200, 5
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    outdir = pathlib.Path(args.out)
    outdir.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = os.getloadavg()
    results = {"started": started, "cpus": os.cpu_count(), "readers_sweep": [], "size_sweep": []}
    for k in [int(x) for x in args.replicas.split(",")]:
        readers = [int(x) for x in args.readers.split(",")]
        for n in readers:
            herd = k == 0 and n == max(readers)
            r = run_point(n, k, args.size, args.updates, args.swarm, herd=herd)
            print(json.dumps(r), flush=True)
            results["readers_sweep"].append(r)
    for size in [int(x) for x in args.sizes.split(",")]:
        r = run_point(args.size_readers, 0, size, max(3, args.updates // 2), args.swarm)
        print(json.dumps(r), flush=True)
        results["size_sweep"].append(r)
    results["loadavg_before"] = load_before
    results["loadavg_after"] = os.getloadavg()
    (outdir / "fanout.json").write_text(json.dumps(results, indent=1) + "\n")
    md = [
        f"# Fan-out, {started}, {results['cpus']} CPUs (load average before {load_before[0]:.2f}, after "
        f"{results['loadavg_after'][0]:.2f})",
        "",
        "## Readers sweep",
        "",
        table(results["readers_sweep"]),
        "",
        "## Snapshot size sweep",
        "",
        table(results["size_sweep"]),
        "",
        "## Herd after a primary restart",
        "",
    ]
    for r in results["readers_sweep"]:
        if "herd" in r:
            md.append(f"{r['readers']} readers: {json.dumps(r['herd'])}")
    (outdir / "fanout.md").write_text("\n".join(md) + "\n")
    plot(results, outdir)
    print((outdir / "fanout.md").read_text())


if __name__ == "__main__":
    main()
