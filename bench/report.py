#!/usr/bin/env python3
"""Renders BENCHMARKS.md and the plots from one run's JSON, so figures and text never disagree.

    python bench/report.py [bench/results/latest.json] [--markdown BENCHMARKS.md] [--plots bench/results]

Every number in the page comes from the JSON (bench/collect.py writes it); the method and
what each floor is are written here, once. A benchmark that was skipped or failed is shown
as such, with its reason.
"""

import argparse
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def fmt(x, digits=3):
    """A number with `digits` significant figures, or a dash when there is none."""
    if x is None:
        return "-"
    if abs(x) >= 10**digits:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}" if abs(x) >= 1 else f"{x:.{digits}f}".rstrip("0").rstrip(".")


def ratio_cell(r):
    """A ratio, bold when omega-config is slower than what it is compared with."""
    if r is None:
        return "-"
    return f"**{r:.2f}x**" if r > 1 else f"{r:.2f}x"


def plain_ratio(r):
    """A ratio of something that is not omega-config (a floor, a peer, a trap): never bold."""
    return "-" if r is None else f"{r:.2f}x"


def load_str(pair):
    return f"{pair[0]:.1f}" if pair else "?"


def section_load(sec):
    return f"load average {load_str(sec.get('load_start'))} → {load_str(sec.get('load_end'))}, {sec.get('seconds')} s"


def not_run(sec):
    if sec is None:
        return "Not run in this run."
    if "failed" in sec:
        return f"**Failed in this run**: `{sec['failed'][:300]}`"
    return None


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


# ---- plots -------------------------------------------------------------------------------------

SYSTEM_STYLE = {"omega": ("omega-config", "tab:blue"), "floor": ("floor", "tab:gray"), "etcd": ("etcd", "tab:orange")}


def plot_propagation(rows, path, plt):
    """One panel per snapshot size, one line per system, log-log."""
    sizes = sorted({r["keys"] for r in rows})
    fig, axes = plt.subplots(1, len(sizes), figsize=(4.2 * len(sizes), 4.4), squeeze=False)
    for ax, keys in zip(axes[0], sizes):
        pts = sorted((r for r in rows if r["keys"] == keys), key=lambda r: r["readers"])
        for system, (label, color) in SYSTEM_STYLE.items():
            xs = [r["readers"] for r in pts if system in r]
            ys = [r[system]["p50"] for r in pts if system in r]
            if xs:
                ax.plot(xs, ys, "-o", color=color, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{keys} keys ({pts[0]['bytes'] // 1024} KB)")
        ax.set_xlabel("readers (N)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel("write → last reader, p50 (ms)")
    axes[0][0].legend(fontsize=8)
    fig.suptitle("Propagation to the last of N readers")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_durable(rows, path, plt):
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    pts = sorted(rows, key=lambda r: r["readers"])
    for system, label, color in [
        ("omega", "omega-settingsd patch → C readers", "tab:blue"),
        ("etcd", "etcd put → watchers", "tab:orange"),
    ]:
        xs = [r["readers"] for r in pts if system in r]
        for q, style in (("p50", "-"), ("p99", ":")):
            ys = [r[system][q] for r in pts if system in r]
            if xs:
                ax.plot(xs, ys, style, marker="o", color=color, label=f"{label}, {q}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("readers (N)")
    ax.set_ylabel("durable write → last reader (ms)")
    ax.set_title("Propagation with the durable write in front")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_throughput(rows, path, plt):
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    xs = [r["clients"] for r in rows]
    ax.plot(xs, [r["omega"]["per_s"] for r in rows], "-o", color="tab:blue", label="omega-settingsd patches/s")
    if all("etcd" in r for r in rows):
        ax.plot(xs, [r["etcd"]["per_s"] for r in rows], "-o", color="tab:orange", label="etcd puts/s")
    ax.set_xscale("log")
    ax.set_xticks(xs)
    ax.set_xticklabels([str(x) for x in xs])
    ax.set_xlabel("concurrent clients")
    ax.set_ylabel("durable writes per second")
    ax.set_title("Durable writes per second")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def make_plots(data, outdir):
    """Writes the PNGs; returns {name: file name} of those made."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = {}
    b = data["benchmarks"]
    if b.get("propagation", {}).get("rows"):
        plot_propagation(b["propagation"]["rows"], os.path.join(outdir, "propagation.png"), plt)
        made["propagation"] = "propagation.png"
    if b.get("durable_propagation", {}).get("rows"):
        plot_durable(b["durable_propagation"]["rows"], os.path.join(outdir, "durable_propagation.png"), plt)
        made["durable"] = "durable_propagation.png"
    if b.get("daemon", {}).get("throughput"):
        plot_throughput(b["daemon"]["throughput"], os.path.join(outdir, "throughput.png"), plt)
        made["throughput"] = "throughput.png"
    return made


# ---- the page ----------------------------------------------------------------------------------

INTRO = """# Benchmarks

Generated by `bench/report.py` from [`bench/results/latest.json`](bench/results/latest.json);
do not edit by hand. Every figure comes from one run of `bench/run.sh` that measures the thing
and its floor (the least any implementation must do) or its peer (etcd) side by side, rounds
alternating, so that both see the same machine load. The development machines are shared and
noisy: compare the **ratios** within the run, not absolute times between runs. Ratios are
omega-config ÷ floor or peer; **bold** marks those above 1 (omega-config slower).

```bash
bench/run.sh            # Release build (preset release), every benchmark, this page and the plots
bench/run.sh --quick    # a reduced run (under three minutes once built), same outputs
```"""


def render_run(data):
    m, g = data["machine"], data["git"]
    dirty = " (with uncommitted changes)" if g.get("dirty") else ""
    lines = [
        "## This run",
        "",
        table(
            ["", ""],
            [
                ["mode", f"{data['mode']} ({data.get('seconds')} s)"],
                ["date", f"{data['started_at']} → {data.get('finished_at')}"],
                ["commit", f"`{g['commit'][:12]}` on `{g['branch']}`{dirty}"],
                ["CPU", f"{m['cpu_model']}, {m['cores']} cores, {m['memory_gib']} GiB"],
                ["system", f"{m.get('os', '')}, kernel {m['kernel']}, Python {m['python']}"],
                ["build", f"{data['build']['type']} (`{data['build']['dir']}`)"],
                [
                    "load average (1 min)",
                    f"{load_str(data['load_start'])} at the start, {load_str(data['load_end'])} at the end; "
                    "each section gives its own",
                ],
                ["tools", ", ".join(f"{k}: {v}" for k, v in data.get("tools", {}).items() if v)],
            ],
        ),
    ]
    return "\n".join(lines)


def render_summary(data):
    """Every ratio above 1: where omega-config is slower than its floor or peer in this run."""
    b = data["benchmarks"]
    items = []
    for r in b.get("reads", {}).get("rows", []):
        if r["name"] == "BM_omega_cfg_get_int64_type_error":
            continue  # the error path, not a read
        if r["name"].startswith("BM_omega") and (r.get("ratio_to_floor") or 0) > 1:
            items.append(f"C read `{r['name']}`, {r['threads']} thread(s): {r['ratio_to_floor']:.2f}x the floor")
        if r["name"].startswith("BM_omega") and (r.get("ratio_to_1_thread") or 0) > 1.2:
            items.append(f"C read `{r['name']}`: 2 threads cost {r['ratio_to_1_thread']:.2f}x 1 thread per read")
    for r in b.get("propagation", {}).get("rows", []):
        for key, what in (("ratio_p50_to_floor", "floor"), ("ratio_p50_to_etcd", "etcd")):
            if (r.get(key) or 0) > 1:
                items.append(f"propagation, N={r['readers']}, {r['keys']} keys: p50 {r[key]:.2f}x {what}")
    for r in b.get("durable_propagation", {}).get("rows", []):
        if (r.get("ratio_p50_to_etcd") or 0) > 1:
            items.append(f"durable propagation, N={r['readers']}: p50 {r['ratio_p50_to_etcd']:.2f}x etcd")
    for r in b.get("reload_cpu", {}).get("rows", []):
        if (r.get("ratio") or 0) > 1:
            items.append(f"reload CPU, {r['keys']} keys: {r['ratio']:.2f}x cJSON parse")
    d = b.get("daemon", {})
    if (d.get("ratio_p50_to_etcd") or 0) > 1:
        items.append(f"durable patch latency: p50 {d['ratio_p50_to_etcd']:.2f}x etcd's put")
    for r in d.get("throughput", []):
        if r.get("ratio_to_etcd") is not None and r["ratio_to_etcd"] < 1:
            items.append(f"writes/s with {r['clients']} client(s): {r['ratio_to_etcd']:.2f}x etcd's (fewer)")
    s = b.get("python_startup", {})
    if (s.get("ratio_omega_to_redis_py") or 0) > 1:
        items.append(f"Python open-to-first-read: {s['ratio_omega_to_redis_py']:.2f}x redis-py GET + json.loads")
    lines = ["## Where omega-config is behind in this run", ""]
    lines += [f"- {i}" for i in items] or ["- nowhere: every ratio is at or below 1"]
    return "\n".join(lines)


def render_reads(sec):
    head = "## C reads: `omega_cfg_get` against its floor, 1 and 2 threads"
    if not_run(sec) or not sec.get("rows"):
        return f"{head}\n\n{not_run(sec) or 'No rows.'}"
    labels = {
        "BM_floor_unordered_map": "floor: `std::unordered_map<std::string,…>::find` + copy",
        "BM_omega_cfg_get": "**`omega_cfg_get`**",
        "BM_omega_cfg_get_lowercase": "`omega_cfg_get`, lower-case key",
        "BM_omega_snapshot_get": "`omega_snapshot_get` on a pinned snapshot (borrowed, no copy)",
        "BM_trap_atomic_shared_ptr": "the trap: `std::atomic_load(shared_ptr)` + find + copy",
        "BM_omega_cfg_get_int64_type_error": "`omega_cfg_get_int64` on a string (the error path)",
    }
    by = {(r["name"], r["threads"]): r for r in sec["rows"]}
    rows = []
    for name, label in labels.items():
        one, two = by.get((name, 1)), by.get((name, 2))
        if not one:
            continue
        cell = ratio_cell if name.startswith("BM_omega") else plain_ratio  # bold only for ours
        rows.append(
            [
                label,
                fmt(one["cpu_ns"]),
                cell(one["ratio_to_floor"]) if name != "BM_floor_unordered_map" else "1",
                fmt(two["cpu_ns"]) if two else "-",
                cell(two["ratio_to_1_thread"]) if two else "-",
            ]
        )
    return f"""{head}

`bench/bench_reads` (Google Benchmark): a 200-key snapshot with 20-character keys, served by a
private `redis-server`; each read copies the value into a caller buffer. Medians of the
repetitions; CPU time per read (robust to other load on the machine; with 2 threads it is the
CPU per read of each thread). The floor gets a prebuilt `std::string` key, does no case
folding and no argument checks. {section_load(sec)}.

{table(["read", "1 thread, CPU ns/read", "÷ floor", "2 threads, CPU ns/read", "2 threads ÷ 1 thread"], rows)}

Reads must not contend: each thread keeps its own reference to the current snapshot and
re-checks one atomic generation counter. The trap row shows what a shared `shared_ptr` loaded
atomically costs once a second thread reads. On a loaded machine the two threads are often
not on the two cores at the same time, so contention (the trap's included) shows less than
on a quiet one; the load is given above."""


def render_python_reads(sec):
    head = "## Python reads: attribute against instance attribute, pydantic-settings, redis-py"
    if not_run(sec):
        return f"{head}\n\n{not_run(sec)}"
    rows = [
        [r["read"], fmt(r["ns"]), (ratio_cell if r["read"].startswith("cfg.") else plain_ratio)(r["ratio"])]
        for r in sec["rows"]
    ]
    return f"""{head}

`bench/python/bench_attr.py`: {sec["keys"]} keys ({sec["bytes"]} bytes) in a private
`redis-server`; each figure is the best of 11 `timeit` runs and includes the loop itself (first
row). The floor is a plain instance attribute; pydantic-settings is what such services use
today; redis-py `GET` + `json.loads` per read is the no-cache way. Python {sec["python"]},
omega_config {sec["omega_config"]} (Release, `pip install .`). {section_load(sec)}.

{table(["read", "ns/op", "÷ instance attribute"], rows)}"""


PROPAGATION_HEADER = ["N", "keys", "rounds", "floor ms p50 / p99", "omega ms p50 / p99", "etcd ms p50 / p99"]
PROPAGATION_HEADER += ["omega ÷ floor (p50)", "omega ÷ etcd (p50)", "load"]
DURABLE_HEADER = ["N", "keys", "rounds", "omega ms p50 / p99", "etcd ms p50 / p99", "÷ etcd p50", "÷ etcd p99", "load"]


def render_propagation(sec, plots):
    head = "## Propagation to the last of N readers"
    if not_run(sec) or not sec.get("rows"):
        return f"{head}\n\n{not_run(sec) or 'No rows.'}"
    rows = []
    skipped = set()
    for r in sorted(sec["rows"], key=lambda r: (r["keys"], r["readers"])):
        etcd = r.get("etcd")
        if not etcd:
            skipped.add(r.get("etcd_skipped", "not measured"))
        rows.append(
            [
                r["readers"],
                f"{r['keys']} ({r['bytes'] // 1024} KB)",
                r["rounds"],
                f"{fmt(r['floor']['p50'])} / {fmt(r['floor']['p99'])}",
                f"{fmt(r['omega']['p50'])} / {fmt(r['omega']['p99'])}",
                f"{fmt(etcd['p50'])} / {fmt(etcd['p99'])}" if etcd else "skipped",
                ratio_cell(r["ratio_p50_to_floor"]),
                ratio_cell(r.get("ratio_p50_to_etcd")),
                f"{load_str(r['load_start'])}-{load_str(r['load_end'])}",
            ]
        )
    note = "".join(f"\n\netcd column skipped: {s}." for s in sorted(skipped))
    img = f"\n\n![propagation against N](bench/results/{plots['propagation']})" if "propagation" in plots else ""
    return f"""{head}

`bench/bench_propagation`: from the start of the write to the moment the **last** of N readers
has the new version, in ms (p50 / p99 over the rounds; with fewer than 100 rounds the p99 is
the worst round or close to it). One setting changes per round.

- **omega-config**: N handles (`omega_cfg_open`, one watcher thread and two connections each)
  in one process; the writer publishes as `omega-settingsd` does (snapshot, version, meta with
  the sha256, `PUBLISH`, in one `MULTI/EXEC`); the time ends when the last reload callback ran
  (message, `MGET`, sha256, strict parse, index, diff, install, callback).
- **floor**: N bare subscribers (hiredis + cJSON, a thread each) that on each message `MGET`
  the three keys on their own connection and `cJSON_Parse` the snapshot: the least a correct
  reader does.
- **etcd** (peer): etcd {{etcd}} with N watchers on its native gRPC `Watch` API (one
  connection and thread each, C++ gRPC client built from the `KV.Put`/`Watch` subset of etcd's
  `rpc.proto`) of one key holding the same snapshot bytes; the time runs from the start of the
  `Put` to the last watcher's event, whose value is parsed with cJSON like the floor's. etcd's
  data dir is on tmpfs, so its WAL fsync is free: this compares the fan-out, not the disk
  (the next section puts the disk back).

Rounds alternate floor / omega-config / etcd.

{table(PROPAGATION_HEADER, rows)}{note}{img}"""


def render_durable(sec, plots):
    head = "## Propagation with the durable write in front"
    if not_run(sec) or not sec.get("rows"):
        return f"{head}\n\n{not_run(sec) or 'No rows.'}"
    rows = []
    skipped = set()
    for r in sorted(sec["rows"], key=lambda r: r["readers"]):
        etcd = r.get("etcd")
        if not etcd:
            skipped.add(r.get("etcd_skipped", "not measured"))
        rows.append(
            [
                r["readers"],
                f"{r['keys']} ({r['bytes'] // 1024} KB)",
                r["rounds"],
                f"{fmt(r['omega']['p50'])} / {fmt(r['omega']['p99'])}",
                f"{fmt(etcd['p50'])} / {fmt(etcd['p99'])}" if etcd else "skipped",
                ratio_cell(r.get("ratio_p50_to_etcd")),
                ratio_cell(r.get("ratio_p99_to_etcd")),
                f"{load_str(r['load_start'])}-{load_str(r['load_end'])}",
            ]
        )
    note = "".join(f"\n\netcd column skipped: {s}." for s in sorted(skipped))
    img = f"\n\n![durable propagation](bench/results/{plots['durable']})" if "durable" in plots else ""
    return f"""{head}

`bench/bench_durable`: from the start of an HTTP `POST /config/patch` (one keep-alive
connection, one setting changed) to the real `omega-settingsd` (Release, a generated schema
and `.env` of string settings, audit log and history on the same ext4 disk: every fsync a
patch does) until the reload callback of the last of N C readers ran; against etcd's durable
put (gRPC `KV.Put`, WAL fsynced, data dir on the same disk) of the snapshot bytes the daemon
published that round, until the last of N gRPC watchers has the event and has parsed the
value. Rounds alternate omega / etcd; the first 3 are warm-up.

{table(DURABLE_HEADER, rows)}{note}{img}"""


def render_reload_cpu(sec):
    head = "## Reload CPU per reader, by snapshot size, split into steps"
    if not_run(sec) or not sec.get("rows"):
        return f"{head}\n\n{not_run(sec) or 'No rows.'}"
    rows = [
        [
            r["keys"],
            f"{r['bytes'] // 1024} KB",
            fmt(r["floor_us"]),
            fmt(r["verify_us"]),
            fmt(r["parse_index_us"]),
            fmt(r["diff_us"]),
            fmt(r["install_us"]),
            fmt(r["total_us"]),
            ratio_cell(r["ratio"]),
        ]
        for r in sec["rows"]
    ]
    return f"""{head}

`bench/bench_reload_cpu`: the CPU a reader spends once the bytes are in (the fetch is what the
propagation benchmark measures), in µs per reload, median of 7 batches of at least 20 ms. The
steps are those of `Reader::offer`: verify (meta, version, sha256 of the bytes), parse + index
(strict JSON, entries, case-insensitive index), diff against the previous version, install.
The floor is `cJSON_Parse` + `cJSON_Delete` of the same bytes. {section_load(sec)}.

{table(["keys", "bytes", "floor µs", "verify", "parse + index", "diff", "install", "total µs", "÷ floor"], rows)}"""


def render_daemon(sec, plots):
    head = "## Durable patch latency and writes per second"
    if not_run(sec):
        return f"{head}\n\n{not_run(sec)}"
    etcd = sec.get("etcd")
    lat_rows = [
        ["omega-settingsd durable patch", fmt(sec["patch"]["p50"]), fmt(sec["patch"]["p99"]), "1"],
        [
            "etcd durable put (HTTP/JSON gateway)",
            fmt(etcd["p50"]) if etcd else "skipped",
            fmt(etcd["p99"]) if etcd else "",
            ratio_cell(sec.get("ratio_p50_to_etcd")) + " (patch ÷ put)" if etcd else "",
        ],
    ]
    floor_names = {
        "fsync": "floor: fsync of a small file in place",
        "append": "floor: append ~220 bytes + fsync (an audit record)",
        "replace": f"floor: temp + fsync + rename + dir fsync of a {sec['env_bytes']}-byte file (the .env write)",
    }
    for k, label in floor_names.items():
        f = sec["floors"][k]
        lat_rows.append(
            [label, fmt(f["p50"]), fmt(f["p99"]), ratio_cell(sec["patch"]["p50"] / f["p50"]) + " (patch ÷ floor)"]
        )
    t_rows = []
    for r in sec.get("throughput", []):
        e = r.get("etcd")
        t_rows.append(
            [
                r["clients"],
                f"{fmt(r['omega']['per_s'])} ({fmt(r['omega']['p50_ms'])} / {fmt(r['omega']['p99_ms'])} ms)",
                f"{fmt(e['per_s'])} ({fmt(e['p50_ms'])} / {fmt(e['p99_ms'])} ms)" if e else "skipped",
                f"{r['ratio_to_etcd']:.2f}x" if r.get("ratio_to_etcd") is not None else "-",
            ]
        )
    phases = ", ".join(f"{k} {v:.3f} ms" for k, v in sec.get("phases_mean_ms", {}).items())
    img = f"\n\n![writes per second](bench/results/{plots['throughput']})" if "throughput" in plots else ""
    skipped = f"\n\netcd skipped: {sec['etcd_skipped']}." if "etcd_skipped" in sec else ""
    get = (
        f"`GET /config` with keep-alive (`wrk -t2 -c32`): {fmt(sec['get_rps'])} requests/s."
        if sec.get("get_rps")
        else ""
    )
    return f"""{head}

`bench/daemon/bench_daemon.py`: the real `omega-settingsd` on a fixture of 200 string settings
({sec["env_bytes"]}-byte `.env`, work dir on {sec["filesystem"]}), against etcd with its
default durability (WAL fsync per put) in the same directory, and the file-system floors
measured in that directory just before and just after the loops. Latency: {sec["requests"]}
requests one at a time over one keep-alive connection (Python `http.client`, the same client
on both sides), after 20 warm-up requests. {section_load(sec)}.

{table(["ms", "p50", "p99", "ratio"], lat_rows)}{skipped}

Inside the daemon (`omega_settingsd_mutation_phase_seconds`, mean over every patch of the
run): {phases or "not reported"}. {get}

**Writes per second** with 1, 4 and 16 concurrent clients, {sec.get("throughput_seconds")} s
each: every client is its own process with its own keep-alive connection and **its own key**
(client *i* patches `BENCH_SETTING_i`, or puts `omega/BENCH_SETTING_i` to etcd, a 30-character
value). The daemon serializes mutations (one `.env`); etcd batches concurrent puts into one
WAL fsync. The client processes share the two cores with the servers.

{table(["clients", "omega patches/s (p50 / p99)", "etcd puts/s (p50 / p99)", "omega ÷ etcd"], t_rows)}{img}"""


def render_handles(sec):
    head = "## Memory, threads and descriptors per open handle"
    if not_run(sec) or not sec.get("rows"):
        return f"{head}\n\n{not_run(sec) or 'No rows.'}"
    rows = [
        [
            r["handles"],
            f"{r['rss_kb'] / 1024:.1f}",
            r["threads"],
            r["fds"],
            fmt(r["per_handle_rss_kb"]) if r["handles"] else "",
            f"{r['per_handle_threads']:.2f}" if r["handles"] else "",
            f"{r['per_handle_fds']:.2f}" if r["handles"] else "",
        ]
        for r in sec["rows"]
    ]
    return f"""{head}

`bench/bench_handles`: one C process opens 1, 100, then 1,000 handles on the same 200-key
snapshot (private `redis-server`) and reads one value from each; RSS and threads from
`/proc/self/status`, descriptors from `/proc/self/fd`. Per handle = (figure - figure with no
handle) ÷ handles. No floor: this is what a process pays, for capacity planning. Each handle
has one watcher thread (its stack is reserved virtual memory; only touched pages count in
RSS) and two Redis connections. {section_load(sec)}.

{table(["handles", "RSS MiB", "threads", "fds", "RSS kB / handle", "threads / handle", "fds / handle"], rows)}"""


def render_startup(sec):
    head = "## Open to first read, short-lived Python process"
    if not_run(sec):
        return f"{head}\n\n{not_run(sec)}"
    rows = [[r["kind"], fmt(r["p50_ms"]), fmt(r["min_ms"]), r["n"]] for r in sec["rows"]]
    net = sec["net_of_interpreter_ms"]
    return f"""{head}

`bench/python/bench_startup.py`: from just before the parent spawns `python -c …` to the
moment the child holds its first value (CLOCK_MONOTONIC, shared by both processes), p50 of
{sec["rows"][0]["n"]} spawns each, kinds alternating. `omega_config` imports the package,
opens a `ConfigManager` (connect, subscribe, `MGET`, parse, start the watcher) and reads
`cfg.redis_url`; the plain way imports redis-py, `GET`s `omega:config` and `json.loads` it.
The floor starts the interpreter only. Python {sec["python"]}. {section_load(sec)}.

{table(["child", "p50 ms", "min ms", "spawns"], rows)}

Net of the interpreter's start: omega_config {fmt(net["omega_config"])} ms, redis-py
{fmt(net["redis-py"])} ms; omega_config ÷ redis-py (whole process): {ratio_cell(sec["ratio_omega_to_redis_py"])}."""


# Fan-out has its own harness (thousands of readers, Sentinel replicas, ~10 min): its table,
# plots and the capacity model built on them live in docs/scale.md.
FANOUT = """## Fan-out: one version to thousands of readers

```bash
bench/fanout/run.sh            # release omega-swarm, then bench/fanout/fanout.py (~10 min)
bench/fanout/run.sh --quick    # 100 and 500 readers, two sizes
```

Time from `EXEC` to every reader's callback, Redis CPU and bytes per version, up to 6,000
reader handles on one node or spread over two replicas through Sentinel, snapshot sizes from
1 KB to 1 MB, and the herd after a primary restart. Results in `bench/results/`; the table,
the plots and the capacity model built on them are in [docs/scale.md](docs/scale.md)."""


def render(data, plots):
    b = data["benchmarks"]
    etcd_version = (data.get("tools", {}).get("etcd") or "3.4").replace("etcd Version: ", "")
    parts = [
        INTRO,
        render_run(data),
        render_summary(data),
        render_reads(b.get("reads")),
        render_python_reads(b.get("python_reads")),
        render_propagation(b.get("propagation"), plots).replace("{etcd}", etcd_version),
        render_durable(b.get("durable_propagation"), plots),
        render_reload_cpu(b.get("reload_cpu")),
        render_daemon(b.get("daemon"), plots),
        render_handles(b.get("handles")),
        render_startup(b.get("python_startup")),
        FANOUT,
    ]
    return "\n\n".join(parts) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json", nargs="?", default=os.path.join(HERE, "results", "latest.json"))
    ap.add_argument("--markdown", default=os.path.join(REPO, "BENCHMARKS.md"))
    ap.add_argument("--plots", default=os.path.join(HERE, "results"))
    args = ap.parse_args()
    with open(args.json) as f:
        data = json.load(f)
    os.makedirs(args.plots, exist_ok=True)
    plots = make_plots(data, args.plots)
    with open(args.markdown, "w") as f:
        f.write(render(data, plots))
    print(f"report: wrote {args.markdown} and {len(plots)} plot(s) in {args.plots}")


if __name__ == "__main__":
    main()
