"""Reading subcommands: get, history, diff, blame. With --read-auth admin they need the
credential too; it is sent on every request."""

import difflib
import json

from . import argtypes, tables
from .exits import EXIT_OK, EXIT_REJECTED, CtlError
from .output import cell
from .values import raw_text


def register(add):
    p = add("get", run_get, "print the current settings, or one value (GET /config; secrets masked)")
    p.add_argument(
        "key",
        nargs="?",
        metavar="KEY",
        help="print only this setting's value, raw for shell scripts (a string bare, anything else "
        "as JSON text; -o json prints it as JSON); matched without regard to case",
    )
    p = add("history", run_history, "past versions, newest first (GET /config/history)")
    p.add_argument("--limit", type=argtypes.positive_int, metavar="N", help="at most N versions")
    p = add("diff", run_diff, "what changed from version N to M (GET /config/diff; secrets only as changed)")
    p.add_argument("from_version", type=argtypes.version, metavar="N")
    p.add_argument("to_version", type=argtypes.version, metavar="M", nargs="?", help="default: the current version")
    p = add("blame", run_blame, "the version, actor, time and comment that last changed each key (GET /config/blame)")
    p.add_argument("key", nargs="?", metavar="KEY", help="only this setting (matched without regard to case)")


def run_get(ctx, args):
    out = ctx.out
    _, _, doc, raw = ctx.client.call("GET", "/config")
    if args.key is not None:
        return _one_value(out, doc, args.key)
    if out.is_json or doc is None:
        out.body(doc, raw)
        return EXIT_OK
    out.line(f"version {doc['version']}")
    out.table(["KEY", "VALUE"], [[k, cell(v)] for k, v in doc["config"].items()])
    tables.pending_reverts(out, doc.get("pending_reverts", []))
    return EXIT_OK


def _one_value(out, doc, key):
    """One setting, raw (`INFO`, `30`, `["a","b"]`) unless -o json asked for JSON (`"INFO"`).
    The key is matched as the daemon matches it: exactly, else without regard to case."""
    config = doc["config"]
    name = key if key in config else next((k for k in config if k.casefold() == key.casefold()), None)
    if name is None:
        close = difflib.get_close_matches(key.upper(), list(config), n=3)
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        raise CtlError(EXIT_REJECTED, "not_found", f"no setting is named {key} in version {doc['version']}{hint}")
    value = config[name]
    if out.explicit == "json":
        out.line(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    else:
        out.line(raw_text(value))
    return EXIT_OK


def run_history(ctx, args):
    out = ctx.out
    query = {"limit": args.limit} if args.limit is not None else None
    _, _, doc, raw = ctx.client.call("GET", "/config/history", query=query)
    if out.is_json or doc is None:
        out.body(doc, raw)
        return EXIT_OK
    rows = [
        [v["version"], v["event"], v["actor"], v["written_at"], _keys(v["changed"]), v.get("comment", "")]
        for v in doc["versions"]
    ]
    out.table(["VERSION", "EVENT", "ACTOR", "WRITTEN_AT", "CHANGED", "COMMENT"], rows)
    return EXIT_OK


def _keys(keys, shown=3):
    """A history entry's changed keys in a cell: the first few and how many more (a boot
    version names every key)."""
    if not keys:
        return "-"
    more = f" (+{len(keys) - shown} more)" if len(keys) > shown else ""
    return ", ".join(keys[:shown]) + more


def run_diff(ctx, args):
    out = ctx.out
    query = {"from": args.from_version}
    if args.to_version is not None:
        query["to"] = args.to_version
    _, _, doc, raw = ctx.client.call("GET", "/config/diff", query=query)
    if out.is_json or doc is None:
        out.body(doc, raw)
        return EXIT_OK
    n = len(doc["changes"])
    out.line(f"v{doc['from']} → v{doc['to']}: " + (f"{n} change{'s' if n != 1 else ''}" if n else "no changes"))
    tables.changes(out, doc["changes"], indent="  ")
    return EXIT_OK


def run_blame(ctx, args):
    out = ctx.out
    query = {"key": args.key} if args.key is not None else None
    _, _, doc, raw = ctx.client.call("GET", "/config/blame", query=query)
    if out.is_json or doc is None:
        out.body(doc, raw)
        return EXIT_OK
    rows = [
        [key, e["version"], e["event"], e["actor"], e["written_at"], e.get("comment", "")]
        for key, e in doc["keys"].items()
    ]
    out.table(["KEY", "VERSION", "EVENT", "ACTOR", "WRITTEN_AT", "COMMENT"], rows)
    return EXIT_OK
