"""Changing subcommands: patch, reload, rollback. The daemon validates; a refusal changes
nothing. A dry run (patch, rollback) shows the diff the change would apply and changes
nothing either."""

from . import argtypes, tables
from .durations import revert_after
from .exits import EXIT_OK
from .values import parse_assignment


def register(add):
    p = add("patch", run_patch, "change settings (POST /config/patch)")
    p.add_argument(
        "assignments",
        nargs="+",
        metavar="KEY=VALUE",
        help='VALUE is JSON when it parses (30, true, null, "quoted"), else a string '
        "(LOG_LEVEL=debug); null unsets the key",
    )
    _expect_version(p, "409")
    _dry_run(p)
    _comment(p)
    p.add_argument(
        "--for",
        dest="revert_after_s",
        type=revert_after,
        metavar="DURATION",
        help="a temporary change: publish now, put these keys back after DURATION "
        "(90s, 15m, 2h, 1h30m, up to 7d; revert_after_s)",
    )
    p = add("reload", run_reload, "re-read the .env and republish (POST /config/reload)")
    _comment(p)
    p = add("rollback", run_rollback, "publish a new version equal to version N (POST /config/rollback)")
    p.add_argument("version", type=argtypes.version, metavar="N")
    _expect_version(p, "412")
    _dry_run(p)
    _comment(p)


def _expect_version(p, status):
    p.add_argument(
        "--expect-version",
        "--expected-version",
        dest="expected_version",
        type=argtypes.version,
        metavar="N",
        help=f"refuse ({status}) unless the current version is N",
    )


def _dry_run(p):
    p.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")


def _comment(p):
    p.add_argument("--comment", metavar="TEXT", help="why (kept in the history and the audit log; at most 1024 bytes)")


def run_patch(ctx, args):
    updates = {}
    seen = {}
    for item in args.assignments:
        try:
            key, value = parse_assignment(item)
        except ValueError as e:
            args.subparser.error(str(e))
        if key.upper() in seen:
            args.subparser.error(f"{key} is given twice (as {seen[key.upper()]} and {key})")
        seen[key.upper()] = key
        updates[key] = value
    body = {"updates": updates}
    if args.expected_version is not None:
        body["expected_version"] = args.expected_version
    if args.revert_after_s is not None:
        body["revert_after_s"] = args.revert_after_s
    _options(body, args)
    return _show(ctx, *ctx.client.call("POST", "/config/patch", body)[2:])


def run_reload(ctx, args):
    body = {"comment": args.comment} if args.comment is not None else None
    return _show(ctx, *ctx.client.call("POST", "/config/reload", body)[2:])


def run_rollback(ctx, args):
    # The precondition goes in If-Match, so a stale one is 412 precondition_failed.
    headers = {"If-Match": f'"{args.expected_version}"'} if args.expected_version is not None else None
    body = {"version": args.version}
    _options(body, args)
    return _show(ctx, *ctx.client.call("POST", "/config/rollback", body, headers=headers)[2:])


def _options(body, args):
    if args.dry_run:
        body["dry_run"] = True
    if args.comment is not None:
        body["comment"] = args.comment


def _show(ctx, doc, raw):
    """A mutation's answer: the API's JSON, or what happened in a line (a dry run: the diff)."""
    out = ctx.out
    dry_run = isinstance(doc, dict) and doc.get("dry_run") is True
    if out.is_json or doc is None:
        out.body(doc, raw)
        if dry_run:
            out.note(f"dry run: nothing was changed (the current version is still {doc['version']})")
        return EXIT_OK
    if dry_run:
        n = len(doc["changes"])
        out.line(f"dry run against v{doc['version']}: " + (f"would change {n} key(s)" if n else "no change"))
        tables.changes(out, doc["changes"], indent="  ")
        out.line(f"nothing was changed (the current version is still {doc['version']})")
        return EXIT_OK
    changed = doc.get("changed", [])
    line = f"v{doc['version']}: " + (f"changed {', '.join(changed)}" if changed else "nothing changed")
    if "subscribers" in doc:
        line += f"; {'published' if changed else 'republished'} to {doc['subscribers']} subscriber(s)"
    if doc.get("published") is False:
        line += "; saved, but not yet published to Redis (the daemon publishes it when Redis answers)"
    if "revert_at" in doc:
        line += f"; reverts at {doc['revert_at']}"
    out.line(line)
    return EXIT_OK
