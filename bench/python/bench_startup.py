#!/usr/bin/env python3
"""Open-to-first-read of a short-lived Python process, side by side in one run.

    python bench/python/bench_startup.py [--spawns 25] [--json FILE]

From just before the parent spawns the interpreter to the moment the child holds the first
value (CLOCK_MONOTONIC on both sides, which one machine shares): a child that imports
omega_config, opens a ConfigManager and reads cfg.redis_url; a child that imports redis-py
and json, GETs omega:config and json.loads it (the plain way); and the floor, a child that
only starts the interpreter. Kinds alternate, so all see the same machine load; p50 of each.
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time

from bench_attr import snapshot, start_redis

CHILDREN = {
    "floor: interpreter start only": "import time\nprint(time.monotonic_ns())",
    "omega_config: open + cfg.redis_url": (
        "import time, omega_config\n"
        "cfg = omega_config.create_config_manager(URL)\n"
        "v = cfg.redis_url\n"
        "print(time.monotonic_ns())\n"
        "cfg.close()"
    ),
    "redis-py GET + json.loads": (
        "import time, json, redis\n"
        "r = redis.Redis.from_url(URL)\n"
        "v = json.loads(r.get('omega:config'))['REDIS_URL']\n"
        "print(time.monotonic_ns())"
    ),
}


def spawn_ms(code, url):
    t0 = time.monotonic_ns()
    out = subprocess.run(
        [sys.executable, "-c", f"URL = {url!r}\n" + code], capture_output=True, text=True, check=True
    ).stdout
    return (int(out.split()[0]) - t0) / 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spawns", type=int, default=25)
    ap.add_argument("--json", help="append one JSON line with the results to this file")
    args = ap.parse_args()
    proc, port, workdir, client = start_redis()
    try:
        values = snapshot(200)
        with client.pipeline(transaction=True) as p:
            p.set("omega:config", json.dumps(values))
            p.set("omega:config:version", "1")
            p.execute()
        url = f"redis://127.0.0.1:{port}/0"
        samples = {name: [] for name in CHILDREN}
        for code in CHILDREN.values():  # one unmeasured spawn each: the page cache warm
            spawn_ms(code, url)
        for _ in range(args.spawns):
            for name, code in CHILDREN.items():
                samples[name].append(spawn_ms(code, url))
        rows = []
        for name, s in samples.items():
            rows.append(
                {
                    "kind": name,
                    "p50_ms": round(statistics.median(s), 3),
                    "min_ms": round(min(s), 3),
                    "max_ms": round(max(s), 3),
                    "n": len(s),
                }
            )
            print(f"{name:<38} p50 {statistics.median(s):8.2f} ms   min {min(s):8.2f} ms")
        if args.json:
            with open(args.json, "a") as f:
                f.write(json.dumps({"bench": "python_startup", "python": sys.version.split()[0], "rows": rows}) + "\n")
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
