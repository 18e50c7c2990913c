"""omegactl's changing subcommands against the real daemon: patch with --dry-run, --comment,
--for (a temporary change) and --expect-version; rollback --dry-run; reload --comment; and
malformed input, which must exit 2 (usage) or 1 (refused) and change nothing."""

import json
import re

import pytest

from tests.support.daemon import ALICE
from tests.support.omegactl import ctl, error_of, world
from tests.support.waiting import wait_until


def history(daemon, limit=1):
    return daemon.request("GET", f"/config/history?limit={limit}", token=None).json["versions"]


def test_patch_dry_run_shows_the_diff_and_changes_nothing(settingsd, redis_server):
    before = world(settingsd, redis_server)
    secret = "SECRET_KEY=another-secret-value-0123456789abcdefgh"
    args = ("patch", "LOG_LEVEL=DEBUG", "REQUEST_TIMEOUT=45", secret, "--dry-run")
    p = ctl(*args, token=ALICE, url=settingsd.base)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {
        "dry_run": True,
        "version": "1",
        "changes": [
            {"key": "LOG_LEVEL", "old": "INFO", "new": "DEBUG"},
            {"key": "REQUEST_TIMEOUT", "old": 30, "new": 45},
            {"key": "SECRET_KEY", "changed": True},
        ],
    }
    assert "nothing was changed" in p.stderr

    t = ctl("-o", "table", *args, token=ALICE, url=settingsd.base)
    assert t.returncode == 0, t.stderr
    first, *rows, last = t.stdout.splitlines()
    assert first == "dry run against v1: would change 3 key(s)"
    assert [r.split() for r in rows] == [
        ["LOG_LEVEL", "INFO", "→", "DEBUG"],
        ["REQUEST_TIMEOUT", "30", "→", "45"],
        ["SECRET_KEY", "changed", "(secret)"],
    ]
    assert last == "nothing was changed (the current version is still 1)"
    assert "another-secret-value" not in p.stdout + t.stdout
    assert world(settingsd, redis_server) == before


def test_rollback_dry_run_then_for_real_with_a_comment(settingsd, redis_server):
    assert ctl("patch", "REQUEST_TIMEOUT=45", token=ALICE, url=settingsd.base).returncode == 0
    before = world(settingsd, redis_server)
    t = ctl("-o", "table", "rollback", "1", "--dry-run", token=ALICE, url=settingsd.base)
    assert t.returncode == 0, t.stderr
    assert "REQUEST_TIMEOUT  45 → 30" in t.stdout and "nothing was changed" in t.stdout
    assert world(settingsd, redis_server) == before

    p = ctl("rollback", "1", "--comment", "undo the timeout", "--expect-version", "2", token=ALICE, url=settingsd.base)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["version"] == "3"
    newest = history(settingsd)[0]
    assert newest["event"] == "rollback" and newest["comment"] == "undo the timeout"


def test_patch_and_reload_comments_reach_the_history_and_blame(settingsd):
    p = ctl("patch", "LOG_LEVEL=DEBUG", "--comment", "chasing INC-42", token=ALICE, url=settingsd.base)
    assert p.returncode == 0, p.stderr
    assert history(settingsd)[0]["comment"] == "chasing INC-42"
    blame = json.loads(ctl("blame", "LOG_LEVEL", url=settingsd.base).stdout)
    assert blame["keys"]["LOG_LEVEL"]["comment"] == "chasing INC-42"

    # A hand edit of the .env, published by reload with the reason.
    text = settingsd.env_path.read_text()
    settingsd.env_path.write_text(text.replace("MAX_CONCURRENT_TASKS=8", "MAX_CONCURRENT_TASKS=12"))
    t = ctl("-o", "table", "reload", "--comment", "ops edited the file", token=ALICE, url=settingsd.base)
    assert t.returncode == 0, t.stderr
    assert t.stdout.startswith("v3: changed MAX_CONCURRENT_TASKS")
    newest = history(settingsd)[0]
    assert newest["event"] == "reload" and newest["comment"] == "ops edited the file"


def test_a_comment_over_1024_bytes_is_refused_with_its_detail(settingsd, redis_server):
    before = world(settingsd, redis_server)
    p = ctl("patch", "LOG_LEVEL=DEBUG", "--comment", "x" * 1025, token=ALICE, url=settingsd.base)
    assert p.returncode == 1, p.stderr
    err = error_of(p)
    assert err["error"] == "validation_failed" and [d["key"] for d in err["details"]] == ["comment"]
    assert world(settingsd, redis_server) == before


def test_for_schedules_a_revert_visible_in_get_config(settingsd):
    p = ctl("patch", "LOG_LEVEL=DEBUG", "--for", "15m", token=ALICE, url=settingsd.base)
    assert p.returncode == 0, p.stderr
    answer = json.loads(p.stdout)
    assert answer["version"] == "2" and "revert_at" in answer
    p = ctl("-o", "table", "patch", "REQUEST_TIMEOUT=45", "--for", "2h", token=ALICE, url=settingsd.base)
    assert p.returncode == 0 and re.search(r"; reverts at \S+Z$", p.stdout.strip()), p.stdout

    pending = settingsd.config()["pending_reverts"]
    assert [(r["version"], r["keys"]) for r in pending] == [("2", ["LOG_LEVEL"]), ("3", ["REQUEST_TIMEOUT"])]
    assert 890 <= pending[0]["remaining_s"] <= 900
    assert 7190 <= pending[1]["remaining_s"] <= 7200
    assert pending[0]["revert_at"] == answer["revert_at"]
    # `get` shows them too, in either format.
    assert json.loads(ctl("get", url=settingsd.base).stdout)["pending_reverts"] == pending
    table = ctl("-o", "table", "get", url=settingsd.base).stdout
    assert re.search(r"^pending revert of v2 at \S+ \(in 1[45]m(\d+s)?\): LOG_LEVEL$", table, re.M), table
    assert table.rstrip().endswith("(in 2h): REQUEST_TIMEOUT") or "(in 1h59m" in table


def test_for_1s_really_reverts(settingsd):
    p = ctl("patch", "FEATURE_NEW_PLANNER=true", "--for", "1s", token=ALICE, url=settingsd.base)
    assert p.returncode == 0, p.stderr
    assert ctl("get", "FEATURE_NEW_PLANNER", url=settingsd.base).stdout in ("true\n", "false\n")
    wait_until(lambda: settingsd.config()["version"] == "3", timeout=15, what="the scheduled revert")
    assert ctl("get", "FEATURE_NEW_PLANNER", url=settingsd.base).stdout == "false\n"
    assert "pending_reverts" not in settingsd.config()
    assert history(settingsd)[0]["event"] == "revert"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["patch", "NOEQUALS"], "expected KEY=VALUE"),
        (["patch", "LOG_LEVEL=DEBUG", "--for", "0"], "no time at all"),
        (["patch", "LOG_LEVEL=DEBUG", "--for", "0s"], "no time at all"),
        (["patch", "LOG_LEVEL=DEBUG", "--for", "8d"], "at most 7d"),
        (["patch", "LOG_LEVEL=DEBUG", "--for", "604801"], "at most 7d"),
        (["patch", "LOG_LEVEL=DEBUG", "--for", "1.5h"], "not a duration"),
        (["patch", "LOG_LEVEL=DEBUG", "--for=-5m"], "not a duration"),
        (["patch", "LOG_LEVEL=DEBUG", "--for", "soon"], "not a duration"),
        (["patch", "LOG_LEVEL=DEBUG", "--expect-version", "x"], "not a version number"),
        (["rollback", "abc"], "not a version number"),
        (["diff", "abc"], "not a version number"),
        (["diff", "1", "2", "3"], "unrecognized arguments"),
    ],
)
def test_malformed_input_is_a_usage_error_and_changes_nothing(settingsd, redis_server, args, says):
    before = world(settingsd, redis_server)
    p = ctl(*args, token=ALICE, url=settingsd.base)
    assert p.returncode == 2, p.stderr
    assert p.stdout == "" and says in p.stderr, p.stderr
    assert world(settingsd, redis_server) == before


def test_durations_as_people_write_them_up_to_the_daemons_limit(settingsd):
    cases = (
        ("7d", 604800, "MAX_CONCURRENT_TASKS=9"),
        ("1h30m", 5400, "RATE_LIMIT_PER_MINUTE=10"),
        ("90s", 90, "LLM_TEMPERATURE=0.5"),
        ("600", 600, "REQUEST_TIMEOUT=31"),  # a bare number is seconds
    )
    for duration, _, assignment in cases:
        p = ctl("patch", assignment, "--for", duration, token=ALICE, url=settingsd.base)
        assert p.returncode == 0, (duration, p.stderr)
    pending = settingsd.config()["pending_reverts"]
    by_key = {r["keys"][0]: r["remaining_s"] for r in pending}
    for _, seconds, assignment in cases:
        assert seconds - 10 <= by_key[assignment.split("=")[0]] <= seconds, (assignment, by_key)
