#!/usr/bin/env python3
"""Runs every benchmark once, side by side with its floor and peer, and writes one JSON file.

    python bench/collect.py --build build/release --out bench/results/latest.json [--quick]

bench/run.sh builds and calls this, then bench/report.py. Each benchmark is a program that
appends JSON lines (--json FILE, or Google Benchmark's JSON); this script runs it, reads
them, puts every figure next to its floor or peer with the ratio, and records the load
average before and after each benchmark. A benchmark that cannot run (etcd missing, a crash)
is recorded as skipped or failed, with the reason; no figure is ever made up.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# What each mode measures. The full run covers every N at 200 keys and N up to 100 at the
# larger snapshots; --quick keeps a few points of each so that it ends within three minutes.
PLANS = {
    "full": {
        "reads": ["--benchmark_repetitions=5", "--benchmark_report_aggregates_only=true"],
        "python_reads": ["--number", "300000"],
        "python_startup": ["--spawns", "30"],
        "reload_cpu": "200,2000,10000",
        "handles": "1,100,1000",
        # (readers, keys, rounds): p99 needs rounds; the 10,000-key rounds take ~1 s each at N=100,
        # ~3 s at N=500 (three kinds).
        "propagation": [
            (1, 200, 100),
            (10, 200, 100),
            (100, 200, 60),
            (500, 200, 30),
            (1, 2000, 60),
            (10, 2000, 60),
            (100, 2000, 30),
            (500, 2000, 15),
            (1, 10000, 40),
            (10, 10000, 30),
            (100, 10000, 15),
            (500, 10000, 8),
        ],
        "durable": [(1, 200, 100), (10, 200, 100), (100, 200, 40)],
        "daemon": [
            "--requests",
            "1000",
            "--wrk-seconds",
            "10",
            "--concurrency",
            "1,4,16",
            "--throughput-seconds",
            "10",
        ],
    },
    "quick": {
        "reads": ["--benchmark_repetitions=3", "--benchmark_report_aggregates_only=true", "--benchmark_min_time=0.1"],
        "python_reads": ["--number", "50000"],
        "python_startup": ["--spawns", "10"],
        "reload_cpu": "200,2000",
        "handles": "1,100",
        "propagation": [(1, 200, 15), (10, 200, 15), (100, 200, 10), (10, 10000, 5)],
        "durable": [(1, 200, 10), (10, 200, 10)],
        "daemon": ["--requests", "200", "--wrk-seconds", "3", "--concurrency", "1,16", "--throughput-seconds", "2"],
    },
}


def load():
    return [round(x, 2) for x in os.getloadavg()]


def run(cmd, timeout=1800):
    """Runs one benchmark program; its own report goes to our stderr, for the person watching."""
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    sys.stderr.write(p.stdout)
    if p.returncode != 0:
        raise RuntimeError(f"{os.path.basename(cmd[0])} exited {p.returncode}: {p.stdout[-600:]}")
    return p.stdout


def json_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def add_ratios(rec, ours, peer):
    """rec["ratio_p50_to_<peer>"] and the p99 one: rec[ours] over rec[peer], when peer ran."""
    if peer in rec:
        for p in ("p50", "p99"):
            rec[f"ratio_{p}_to_{peer}"] = ratio(rec[ours][p], rec[peer][p])


# ---- one function per benchmark: runs it, returns its section -------------------------------


def bench_reads(ctx):
    out = os.path.join(ctx.tmp, "reads.json")
    run([ctx.bin("bench_reads"), f"--benchmark_out={out}", "--benchmark_out_format=json", *ctx.plan["reads"]])
    with open(out) as f:
        data = json.load(f)
    medians = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name", "median") != "median":
            continue
        name = b["run_name"].split("/")[0]
        medians[(name, b["threads"])] = {"real_ns": b["real_time"], "cpu_ns": b["cpu_time"]}
    rows = []
    for (name, threads), m in sorted(medians.items()):
        floor = medians.get(("BM_floor_unordered_map", threads))
        one = medians.get((name, 1))
        rows.append(
            {
                "name": name,
                "threads": threads,
                **{k: round(v, 2) for k, v in m.items()},
                "floor_cpu_ns": round(floor["cpu_ns"], 2) if floor else None,
                "ratio_to_floor": ratio(m["cpu_ns"], floor["cpu_ns"]) if floor else None,
                "ratio_to_1_thread": ratio(m["cpu_ns"], one["cpu_ns"]) if one and threads != 1 else None,
            }
        )
    return {"context": data.get("context", {}), "rows": rows}


def bench_python_reads(ctx):
    out = os.path.join(ctx.tmp, "python_reads.json")
    run([ctx.python, os.path.join(HERE, "python", "bench_attr.py"), "--json", out, *ctx.plan["python_reads"]])
    return json_lines(out)[-1]


def bench_python_startup(ctx):
    out = os.path.join(ctx.tmp, "python_startup.json")
    run([ctx.python, os.path.join(HERE, "python", "bench_startup.py"), "--json", out, *ctx.plan["python_startup"]])
    rec = json_lines(out)[-1]
    by = {r["kind"].split(":")[0]: r for r in rec["rows"]}
    omega, plain, floor = by.get("omega_config"), by.get("redis-py GET + json.loads"), by.get("floor")
    rec["ratio_omega_to_redis_py"] = ratio(omega["p50_ms"], plain["p50_ms"])
    rec["net_of_interpreter_ms"] = {
        "omega_config": round(omega["p50_ms"] - floor["p50_ms"], 3),
        "redis-py": round(plain["p50_ms"] - floor["p50_ms"], 3),
    }
    return rec


def bench_reload_cpu(ctx):
    out = os.path.join(ctx.tmp, "reload_cpu.json")
    run([ctx.bin("bench_reload_cpu"), "--keys", ctx.plan["reload_cpu"], "--json", out])
    return {"rows": json_lines(out)}


def bench_handles(ctx):
    out = os.path.join(ctx.tmp, "handles.json")
    run([ctx.bin("bench_handles"), "--counts", ctx.plan["handles"], "--json", out])
    return {"rows": json_lines(out)}


def bench_propagation(ctx):
    out = os.path.join(ctx.tmp, "propagation.json")
    rows = []
    for readers, keys, rounds in ctx.plan["propagation"]:
        started = load()
        run(
            [
                ctx.bin("bench_propagation"),
                "--readers",
                str(readers),
                "--keys",
                str(keys),
                "--rounds",
                str(rounds),
                "--json",
                out,
            ]
        )
        rec = json_lines(out)[-1]
        rec["load_start"], rec["load_end"] = started, load()
        add_ratios(rec, "omega", "floor")
        add_ratios(rec, "omega", "etcd")
        rows.append(rec)
    return {"rows": rows}


def bench_durable(ctx):
    out = os.path.join(ctx.tmp, "durable.json")
    daemon = ctx.bin("omega-settingsd", "daemon")
    rows = []
    for readers, keys, rounds in ctx.plan["durable"]:
        fixture = tempfile.mkdtemp(prefix="omega-bench-durable-", dir=ctx.workdir)
        try:
            run([ctx.python, os.path.join(HERE, "daemon", "fixture.py"), fixture, "--keys", str(keys)])
            started = load()
            run(
                [
                    ctx.bin("bench_durable"),
                    "--daemon",
                    daemon,
                    "--fixture",
                    fixture,
                    "--readers",
                    str(readers),
                    "--rounds",
                    str(rounds),
                    "--json",
                    out,
                ]
            )
        finally:
            shutil.rmtree(fixture, ignore_errors=True)
        rec = json_lines(out)[-1]
        rec["keys"] = keys
        rec["load_start"], rec["load_end"] = started, load()
        add_ratios(rec, "omega", "etcd")
        rows.append(rec)
    return {"rows": rows}


def bench_daemon(ctx):
    out = os.path.join(ctx.tmp, "daemon.json")
    daemon = ctx.bin("omega-settingsd", "daemon")
    cmd = [ctx.python, os.path.join(HERE, "daemon", "bench_daemon.py"), "--daemon", daemon, "--json", out]
    if ctx.workdir:
        cmd += ["--workdir", ctx.workdir]
    run(cmd + ctx.plan["daemon"])
    rec = json_lines(out)[-1]
    add_ratios(rec, "patch", "etcd")
    if "etcd" in rec:
        for row in rec["throughput"]:
            row["ratio_to_etcd"] = ratio(row["omega"]["per_s"], row["etcd"]["per_s"])
    rec["ratio_p50_to_replace_floor"] = ratio(rec["patch"]["p50"], rec["floors"]["replace"]["p50"])
    return rec


BENCHMARKS = [
    ("reads", bench_reads),
    ("python_reads", bench_python_reads),
    ("reload_cpu", bench_reload_cpu),
    ("propagation", bench_propagation),
    ("durable_propagation", bench_durable),
    ("daemon", bench_daemon),
    ("handles", bench_handles),
    ("python_startup", bench_python_startup),
]


class Context:
    def __init__(self, build, plan, python, workdir, tmp):
        self.build, self.plan, self.python, self.workdir, self.tmp = build, plan, python, workdir, tmp

    def bin(self, name, subdir="bench"):
        return os.path.join(self.build, subdir, name)


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 2**20, 1),
        "kernel": platform.release(),
        "os": platform.freedesktop_os_release().get("PRETTY_NAME", "")
        if hasattr(platform, "freedesktop_os_release")
        else "",
        "python": platform.python_version(),
    }


def git(*args):
    return subprocess.run(["git", "-C", REPO, *args], capture_output=True, text=True).stdout.strip()


def tool_versions():
    def first_line(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return None

    return {
        "redis-server": first_line(["redis-server", "--version"]),
        "etcd": first_line(["etcd", "--version"]),
        "compiler": first_line(["c++", "--version"]),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(REPO, "build", "release"))
    ap.add_argument("--out", default=os.path.join(HERE, "results", "latest.json"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", help="comma-separated benchmark names (default: all)")
    ap.add_argument("--workdir", help="where the daemon's .env and etcd's data live (default: the temp dir)")
    args = ap.parse_args()
    mode = "quick" if args.quick else "full"
    only = set(args.only.split(",")) if args.only else None
    result = {
        "format": 1,
        "mode": mode,
        "started_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "tools": tool_versions(),
        "git": {
            "commit": git("rev-parse", "HEAD"),
            "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
            # Uncommitted changes outside the published figures themselves.
            "dirty": bool(git("status", "--porcelain", "--", ".", ":!bench/results", ":!BENCHMARKS.md")),
        },
        "build": {"dir": os.path.relpath(args.build, REPO), "type": "Release"},
        "load_start": load(),
        "benchmarks": {},
    }
    t_all = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="omega-bench-") as tmp:
        ctx = Context(args.build, PLANS[mode], sys.executable, args.workdir, tmp)
        for name, fn in BENCHMARKS:
            if only and name not in only:
                continue
            section = {"load_start": load()}
            t0 = time.monotonic()
            try:
                section.update(fn(ctx))
            except Exception as e:  # recorded, never replaced by a figure
                section["failed"] = str(e)
                print(f"bench: {name} failed: {e}", file=sys.stderr)
            section["load_end"] = load()
            section["seconds"] = round(time.monotonic() - t0, 1)
            result["benchmarks"][name] = section
    result["load_end"] = load()
    result["seconds"] = round(time.monotonic() - t_all, 1)
    result["finished_at"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(f"bench: wrote {args.out} ({result['seconds']} s, load {result['load_start']} -> {result['load_end']})")


if __name__ == "__main__":
    main()
