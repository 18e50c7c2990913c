"""Changing subcommands: patch, reload, rollback. The daemon validates; a refusal changes nothing."""

from . import argtypes
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
    p.add_argument(
        "--expected-version", type=argtypes.version, metavar="N", help="refuse (409) unless the current version is N"
    )
    add("reload", run_reload, "re-read the .env and republish (POST /config/reload)")
    p = add("rollback", run_rollback, "publish a new version equal to version N (POST /config/rollback)")
    p.add_argument("version", type=argtypes.version, metavar="N")
    p.add_argument(
        "--expected-version", type=argtypes.version, metavar="M", help="refuse (412) unless the current version is M"
    )


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
    return _show(ctx, *ctx.client.call("POST", "/config/patch", body)[2:])


def run_reload(ctx, args):
    return _show(ctx, *ctx.client.call("POST", "/config/reload")[2:])


def run_rollback(ctx, args):
    headers = {"If-Match": f'"{args.expected_version}"'} if args.expected_version is not None else None
    return _show(ctx, *ctx.client.call("POST", "/config/rollback", {"version": args.version}, headers=headers)[2:])


def _show(ctx, doc, raw):
    """A mutation's answer: the API's JSON, or one line saying what happened."""
    out = ctx.out
    if out.is_json or doc is None:
        out.body(doc, raw)
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
