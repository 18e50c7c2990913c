#!/usr/bin/env python3
"""Side-by-side benchmark, one run: omega-settingsd GET /config requests/s (wrk, keep-alive)
and durable patch latency p50/p99, next to etcd's durable put latency (its HTTP/JSON gateway,
keep-alive) and the raw fsync floor of the same directory.

Both latency loops use the same client (Python http.client over one keep-alive connection,
one request at a time), so the client's own overhead is the same on both sides.

usage: bench_daemon.py --daemon PATH [--requests N] [--wrk-seconds S] [--workdir DIR]
"""

import argparse
import base64
import http.client
import json
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


def replace_floor(directory, n):
    """The .env write the contract requires, alone: temp + fsync + rename + directory fsync."""
    target, tmp = os.path.join(directory, "replace-probe"), os.path.join(directory, "replace-probe.tmp")
    data = b"KEY=value\n" * 70
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


def floors(directory, n=200):
    return {
        "fsync": fsync_floor(directory, n),
        "append": append_floor(directory, n),
        "replace": replace_floor(directory, n),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--wrk-seconds", type=int, default=10)
    ap.add_argument("--workdir", default=None, help="where the .env / etcd data live (default: a temp dir)")
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

        shutil.copy(os.path.join(REPO, "examples", "omega.env"), os.path.join(work, "omega.env"))
        token = "bench:" + os.urandom(32).hex()
        with open(os.path.join(work, "tokens"), "w") as f:
            f.write(token + "\n")
        bearer = token.split(":", 1)[1]
        dport = free_port()
        procs.append(
            subprocess.Popen(
                [
                    args.daemon,
                    "--env",
                    os.path.join(work, "omega.env"),
                    "--schema",
                    os.path.join(REPO, "examples", "omega.schema.json"),
                    "--redis-url",
                    f"redis://127.0.0.1:{rport}/0",
                    "--listen",
                    f"127.0.0.1:{dport}",
                    "--admin-token-file",
                    os.path.join(work, "tokens"),
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

        # etcd on loopback, default durability (fsync of its WAL on every put).
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

        before = floors(work)  # the file-system floors just before and just after the loops
        levels = ["DEBUG", "INFO"]
        results["patch"] = latency_loop(
            dport,
            args.requests,
            lambda i: (
                "POST",
                "/config/patch",
                json.dumps({"updates": {"LOG_LEVEL": levels[i % 2], "REQUEST_TIMEOUT": 10 + i % 200}}),
                {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"},
            ),
        )
        results["etcd"] = latency_loop(
            cport,
            args.requests,
            lambda i: (
                "POST",
                "/v3/kv/put",
                json.dumps(
                    {
                        "key": base64.b64encode(b"omega/LOG_LEVEL").decode(),
                        "value": base64.b64encode(levels[i % 2].encode() + str(i).encode()).decode(),
                    }
                ),
                {"Content-Type": "application/json"},
            ),
        )
        after = floors(work)
        for k in before:
            results[k] = before[k] + after[k]
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
        for name, key in [
            (
                "omega-settingsd durable patch (audit + version mark + .env fsyncs, rename, dir fsync, MULTI/EXEC)",
                "patch",
            ),
            ("etcd 3.4 durable put (HTTP/JSON gateway)", "etcd"),
            ("floor: fsync of a small file in place, same directory", "fsync"),
            ("floor: append ~220 bytes + fsync (an audit record)", "append"),
            ("floor: temp + fsync + rename + dir fsync of a 700-byte file, same directory", "replace"),
        ]:
            s = results[key]
            print(f"| {name} | {fmt_ms(pct(s, 50))} | {fmt_ms(pct(s, 99))} | {fmt_ms(statistics.mean(s))} |")
        if results.get("get_rps"):
            print(
                f"\nGET /config with keep-alive (wrk -t2 -c32 -d{args.wrk_seconds}s): "
                f"{results['get_rps']:.0f} requests/s (avg latency {results['get_latency_avg']})"
            )
        # Inside the daemon: the mean of each step of the mutation pipeline, from /metrics.
        conn = http.client.HTTPConnection("127.0.0.1", dport, timeout=10)
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
        conn.close()
        sums = dict(re.findall(r'omega_settingsd_mutation_phase_seconds_sum\{phase="(\w+)"\} ([\d.]+)', text))
        counts = dict(re.findall(r'omega_settingsd_mutation_phase_seconds_count\{phase="(\w+)"\} (\d+)', text))
        steps = [p for p in ("validate", "watch", "sync", "rename", "publish") if int(counts.get(p, 0))]
        if steps:
            print(
                "\nInside the daemon (omega_settingsd_mutation_phase_seconds), mean per step: "
                + ", ".join(f"{p} {fmt_ms(float(sums[p]) / int(counts[p]))}" for p in steps)
            )
        print("\n(floors: 200 samples just before and 200 just after the two loops, pooled)")
        load = os.getloadavg()
        print(f"\nload average during the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        print(
            f"\n{args.requests} patches and {args.requests} etcd puts, one at a time over one keep-alive "
            f"connection each, after 20 warm-up requests; the final published version was {results['version']}."
        )
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
