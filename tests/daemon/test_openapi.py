"""docs/openapi.yaml is the admin API's contract: schemathesis (every check: status codes,
content types, headers, response schemas, negative and positive data, methods, auth) runs
against the real daemon with an admin token, so the admin routes are exercised too, and a
response that breaks the document, or any 5xx, fails the test."""

import subprocess
import sys

from tests.support.daemon import ALICE, DATA
from tests.support.paths import REPO

DOCUMENT = REPO / "docs" / "openapi.yaml"


def run_schemathesis(daemon, workdir, *extra):
    cmd = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(DATA / "schemathesis.toml"),
        "--no-color",
        "run",
        str(DOCUMENT),
        "--url",
        daemon.base,
        "--checks",
        "all",
        "-H",
        f"Authorization: Bearer {ALICE}",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        "60",
        "--seed",
        "20261130",
        "--generation-database",
        "none",
        # The daemon's strict JSON refuses \u0000 in any string (docs/openapi.yaml says so).
        "--generation-allow-x00",
        "false",
        "--workers",
        "1",
        "--request-timeout",
        "20",
        *extra,
    ]
    # In a scratch directory: schemathesis leaves a .schemathesis/ cache where it runs.
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=workdir)


def test_the_daemon_keeps_its_openapi_document(daemon, tmp_path):
    # Some history to diff, roll back to and blame, and a temporary change pending.
    assert daemon.patch({"LOG_LEVEL": "DEBUG"}, comment="for the fuzzer").status == 200
    assert daemon.patch({"REQUEST_TIMEOUT": 45}, revert_after_s=3600).status == 200
    p = run_schemathesis(daemon, tmp_path)
    assert p.returncode == 0, p.stdout[-12000:] + p.stderr[-4000:]
    assert "API Operations" in p.stdout and "failures" not in p.stdout.split("SUMMARY")[-1].lower(), p.stdout[-6000:]
    assert daemon.proc.poll() is None, "the daemon survived the fuzzing"
