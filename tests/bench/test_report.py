"""bench/report.py renders the committed results (bench/results/latest.json) into a page and
plots, and a skipped or failed benchmark shows as such instead of a figure. The figures
themselves are measured by bench/run.sh, never asserted here."""

import copy
import json
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
REPORT = REPO / "bench" / "report.py"
LATEST = REPO / "bench" / "results" / "latest.json"


def render(tmp_path, data):
    src = tmp_path / "in.json"
    src.write_text(json.dumps(data))
    md = tmp_path / "BENCHMARKS.md"
    subprocess.run(
        [sys.executable, str(REPORT), str(src), "--markdown", str(md), "--plots", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    return md.read_text()


def test_the_committed_results_render_into_every_section_with_plots(tmp_path):
    data = json.loads(LATEST.read_text())
    page = render(tmp_path, data)
    for heading in (
        "## This run",
        "## C reads",
        "## Python reads",
        "## Propagation to the last of N readers",
        "## Propagation with the durable write in front",
        "## Reload CPU per reader",
        "## Durable patch latency and writes per second",
        "## Memory, threads and descriptors per open handle",
        "## Open to first read",
    ):
        assert heading in page
    assert data["git"]["commit"][:12] in page
    first = data["benchmarks"]["propagation"]["rows"][0]
    assert f"{first['ratio_p50_to_floor']:.2f}x" in page
    for png in ("propagation.png", "durable_propagation.png", "throughput.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_benchmark_without_etcd_or_that_failed_says_so(tmp_path):
    data = copy.deepcopy(json.loads(LATEST.read_text()))
    for row in data["benchmarks"]["propagation"]["rows"]:
        row.pop("etcd", None)
        row.pop("ratio_p50_to_etcd", None)
        row["etcd_skipped"] = "etcd is not installed"
    data["benchmarks"]["handles"] = {"failed": "bench_handles exited 1: open #7: boom", "seconds": 1}
    page = render(tmp_path, data)
    assert "etcd column skipped: etcd is not installed." in page
    assert "**Failed in this run**: `bench_handles exited 1: open #7: boom`" in page
