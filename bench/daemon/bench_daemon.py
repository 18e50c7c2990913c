#!/usr/bin/env python3
"""Side-by-side benchmark, one run: omega-settingsd GET /config requests/s (wrk, keep-alive)
and durable patch latency p50/p99, next to etcd's durable put latency (its HTTP/JSON gateway,
keep-alive) and the raw fsync floors of the same directory; then patches/s against etcd
puts/s with 1, 4 and 16 concurrent clients.

Both latency loops use the same client (Python http.client over one keep-alive connection,
one request at a time), so the client's own overhead is the same on both sides. In the
throughput part each client is its own process (no shared GIL) with its own keep-alive
connection and its own key: client i patches BENCH_SETTING_<i> (omega) or puts
omega/BENCH_SETTING_<i> (etcd), a 30-character value each time.

The daemon runs on a fixture of 200 string settings (fixture.py), a ~8 KB .env.

usage: bench_daemon.py --daemon PATH [--requests N] [--wrk-seconds S] [--workdir DIR]
                       [--concurrency 1,4,16] [--throughput-seconds S] [--json FILE]
"""

import argparse
import base64
import http.client
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from fixture import key, value, write_fixture

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what):
    for _ in range(400):
        if proc.poll() is not None:
            sys.exit(f"{what} exited early")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.025)
    sys.exit(f"{what} did not open port {port}")


def pct(samples, p):
    s = sorted(samples)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def fmt_ms(x):
    return f"{x * 1000:.3f} ms"


def latency_loop(port, n, make_request):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    out = []
    for i in range(n + 20):
        method, path, body, headers = make_request(i)
        t0 = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        dt = time.perf_counter() - t0
        if r.status != 200:
            sys.exit(f"{path}: HTTP {r.status} {data[:200]!r}")
        if i >= 20:  # warm-up excluded
            out.append(dt)
    conn.close()
    return out


def fsync_floor(directory, n):
    path = os.path.join(directory, "fsync-probe")
    out = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    for _i in range(n):
        os.pwrite(fd, b"x" * 512, 0)
        t0 = time.perf_counter()
        os.fsync(fd)
        out.append(time.perf_counter() - t0)
    os.close(fd)
    os.unlink(path)
    return out


def replace_floor(directory, n, size):
    """The .env write the contract requires, alone: temp + fsync + rename + directory fsync."""
    target, tmp = os.path.join(directory, "replace-probe"), os.path.join(directory, "replace-probe.tmp")
    data = b"K" * size
    out = []
    for _i in range(n):
        t0 = time.perf_counter()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, data)
        os.fsync(fd)
        os.close(fd)
        os.rename(tmp, target)
        d = os.open(directory, os.O_RDONLY)
        os.fsync(d)
        os.close(d)
        out.append(time.perf_counter() - t0)
    os.unlink(target)
    return out


def append_floor(directory, n):
    """An audit-like record: append ~220 bytes to a growing file + fsync."""
    path = os.path.join(directory, "append-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    out = []
    for _i in range(n):
        t0 = time.perf_counter()
        os.write(fd, b"x" * 219 + b"\n")
        os.fsync(fd)
        out.append(time.perf_counter() - t0)
    os.close(fd)
    os.unlink(path)
    return out


def floors(directory, env_size, n=200):
    return {
        "fsync": fsync_floor(directory, n),
        "append": append_floor(directory, n),
        "replace": replace_floor(directory, n, env_size),
    }


def patch_request(bearer, client, i):
    body = json.dumps({"updates": {key(client): value(client, i)}})
    return "POST", "/config/patch", body, {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}


def etcd_put_request(client, i):
    body = json.dumps(
        {
            "key": base64.b64encode(f"omega/{key(client)}".encode()).decode(),
            "value": base64.b64encode(value(client, i).encode()).decode(),
        }
    )
    return "POST", "/v3/kv/put", body, {"Content-Type": "application/json"}


def throughput_client(port, make_request, start_at, stop_at, out):
    """One client process: its own keep-alive connection, requests back to back until stop_at."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, i = [], 0
    while time.monotonic() < start_at:
        time.sleep(0.001)
    while time.monotonic() < stop_at:
        method, path, body, headers = make_request(i)
        t0 = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            out.put(("error", f"{path}: HTTP {r.status}"))
            return
        latencies.append(time.perf_counter() - t0)
        i += 1
    conn.close()
    out.put(("ok", latencies))


def throughput(port, clients, seconds, make_request):
    """Requests/s of `clients` concurrent client processes over `seconds`, and their latency."""
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    start_at = time.monotonic() + 0.5  # every process connected and waiting
    stop_at = start_at + seconds
    procs = [
        ctx.Process(target=throughput_client, args=(port, lambda i, c=c: make_request(c, i), start_at, stop_at, out))
        for c in range(clients)
    ]
    for p in procs:
        p.start()
    latencies = []
    for _ in procs:
        kind, data = out.get(timeout=seconds + 60)
        if kind != "ok":
            sys.exit(data)
        latencies += data
    for p in procs:
        p.join()
    return {
        "clients": clients,
        "per_s": len(latencies) / seconds,
        "p50_ms": pct(latencies, 50) * 1000,
        "p99_ms": pct(latencies, 99) * 1000,
        "n": len(latencies),
    }


def stats_ms(samples):
    return {
        "p50": pct(samples, 50) * 1000,
        "p90": pct(samples, 90) * 1000,
        "p99": pct(samples, 99) * 1000,
        "mean": statistics.mean(samples) * 1000,
        "n": len(samples),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--wrk-seconds", type=int, default=10)
    ap.add_argument("--workdir", default=None, help="where the .env / etcd data live (default: a temp dir)")
    ap.add_argument("--concurrency", default="1,4,16", help="client counts for patches/s ('' to skip)")
    ap.add_argument("--throughput-seconds", type=float, default=10)
    ap.add_argument("--json", help="append one JSON line with every figure to this file")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="omega-bench-", dir=args.workdir)
    procs = []
    try:
        # Redis (no persistence: the daemon's durability is the .env; Redis is a cache).
        rport = free_port()
        procs.append(
            subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(rport),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    work,
                ],
                stdout=subprocess.DEVNULL,
            )
        )
        wait_port(rport, procs[-1], "redis-server")

        bearer = write_fixture(work, 200)
        env_size = os.path.getsize(os.path.join(work, "omega.env"))
        dport = free_port()
        procs.append(
            subprocess.Popen(
                [
                    args.daemon,
                    "--env",
                    os.path.join(work, "omega.env"),
                    "--schema",
                    os.path.join(work, "omega.schema.json"),
                    "--redis-url",
                    f"redis://127.0.0.1:{rport}/0",
                    "--listen",
                    f"127.0.0.1:{dport}",
                    "--admin-token-file",
                    os.path.join(work, "admin-tokens"),
                    "--audit-log",
                    os.path.join(work, "audit.jsonl"),
                    "--max-connections",
                    "256",
                    "--per-ip-connections",
                    "256",
                ],
                stderr=open(os.path.join(work, "daemon.log"), "wb"),  # noqa: SIM115 (lives as long as the daemon)
            )
        )
        wait_port(dport, procs[-1], "omega-settingsd")

        # etcd on loopback, default durability (fsync of its WAL on every put), same disk.
        etcd_skipped = None if shutil.which("etcd") else "etcd is not installed (scripts/install-deps.sh)"
        cport = None
        if not etcd_skipped:
            cport, pport = free_port(), free_port()
            procs.append(
                subprocess.Popen(
                    [
                        "etcd",
                        "--data-dir",
                        os.path.join(work, "etcd"),
                        "--listen-client-urls",
                        f"http://127.0.0.1:{cport}",
                        "--advertise-client-urls",
                        f"http://127.0.0.1:{cport}",
                        "--listen-peer-urls",
                        f"http://127.0.0.1:{pport}",
                        "--initial-advertise-peer-urls",
                        f"http://127.0.0.1:{pport}",
                        "--initial-cluster",
                        f"default=http://127.0.0.1:{pport}",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            wait_port(cport, procs[-1], "etcd")

        results = {}
        if shutil.which("wrk"):
            out = subprocess.run(
                ["wrk", "-t2", "-c32", f"-d{args.wrk_seconds}s", f"http://127.0.0.1:{dport}/config"],
                capture_output=True,
                text=True,
            ).stdout
            m = re.search(r"Requests/sec:\s+([\d.]+)", out)
            results["get_rps"] = float(m.group(1)) if m else None
            lat = re.search(r"Latency\s+(\S+)", out)
            results["get_latency_avg"] = lat.group(1) if lat else None

        before = floors(work, env_size)  # the file-system floors just before and just after the loops
        results["patch"] = latency_loop(dport, args.requests, lambda i: patch_request(bearer, 0, i))
        if not etcd_skipped:
            results["etcd"] = latency_loop(cport, args.requests, lambda i: etcd_put_request(0, i))
        after = floors(work, env_size)
        for k in before:
            results[k] = before[k] + after[k]

        # Patches/s against puts/s, alternating per client count so both see the same load.
        tput = []
        for clients in [int(c) for c in args.concurrency.split(",") if c]:
            row = {"clients": clients}
            row["omega"] = throughput(
                dport, clients, args.throughput_seconds, lambda c, i: patch_request(bearer, c, i + 1000)
            )
            if not etcd_skipped:
                row["etcd"] = throughput(cport, clients, args.throughput_seconds, etcd_put_request)
            tput.append(row)

        results["version"] = json.loads(
            subprocess.run(
                ["redis-cli", "-p", str(rport), "GET", "omega:config:version"], capture_output=True, text=True
            ).stdout
            or "0"
        )

        fs = subprocess.run(["df", "-T", work], capture_output=True, text=True).stdout.splitlines()[-1].split()[1]
        print(
            f"# omega-settingsd vs etcd, one run ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"{os.cpu_count()} CPUs, work dir on {fs})\n"
        )
        print("| measurement | p50 | p99 | mean |")
        print("|---|---|---|---|")
        for name, k in [
            ("omega-settingsd durable patch", "patch"),
            ("etcd 3.4 durable put (HTTP/JSON gateway)", "etcd"),
            ("floor: fsync of a small file in place, same directory", "fsync"),
            ("floor: append ~220 bytes + fsync (an audit record)", "append"),
            (f"floor: temp + fsync + rename + dir fsync of a {env_size}-byte file, same directory", "replace"),
        ]:
            s = results.get(k)
            if s:
                print(f"| {name} | {fmt_ms(pct(s, 50))} | {fmt_ms(pct(s, 99))} | {fmt_ms(statistics.mean(s))} |")
        if etcd_skipped:
            print(f"\netcd: skipped, {etcd_skipped}")
        if results.get("get_rps"):
            print(
                f"\nGET /config with keep-alive (wrk -t2 -c32 -d{args.wrk_seconds}s): "
                f"{results['get_rps']:.0f} requests/s (avg latency {results['get_latency_avg']})"
            )
        for row in tput:
            line = f"{row['clients']:>3} clients: omega {row['omega']['per_s']:8.0f} patches/s"
            if "etcd" in row:
                line += f", etcd {row['etcd']['per_s']:8.0f} puts/s"
            print(line)
        # Inside the daemon: the mean of each step of the mutation pipeline, from /metrics.
        conn = http.client.HTTPConnection("127.0.0.1", dport, timeout=10)
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
        conn.close()
        sums = dict(re.findall(r'omega_settingsd_mutation_phase_seconds_sum\{phase="(\w+)"\} ([\d.]+)', text))
        counts = dict(re.findall(r'omega_settingsd_mutation_phase_seconds_count\{phase="(\w+)"\} (\d+)', text))
        steps = [p for p in ("validate", "watch", "sync", "rename", "publish") if int(counts.get(p, 0))]
        phases = {p: float(sums[p]) / int(counts[p]) * 1000 for p in steps}
        if steps:
            print(
                "\nInside the daemon (omega_settingsd_mutation_phase_seconds), mean per step over every patch: "
                + ", ".join(f"{p} {phases[p]:.3f} ms" for p in steps)
            )
        load = os.getloadavg()
        print(f"\nload average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        if args.json:
            record = {
                "bench": "daemon",
                "filesystem": fs,
                "env_bytes": env_size,
                "requests": args.requests,
                "patch": stats_ms(results["patch"]),
                "floors": {k: stats_ms(results[k]) for k in ("fsync", "append", "replace")},
                "get_rps": results.get("get_rps"),
                "phases_mean_ms": phases,
                "throughput": tput,
                "throughput_seconds": args.throughput_seconds,
                "final_version": results["version"],
            }
            if etcd_skipped:
                record["etcd_skipped"] = etcd_skipped
            else:
                record["etcd"] = stats_ms(results["etcd"])
            with open(args.json, "a") as f:
                f.write(json.dumps(record) + "\n")
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
