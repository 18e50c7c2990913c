"""Reading subcommands: get, history."""

from . import argtypes, tables
from .exits import EXIT_OK
from .output import cell


def register(add):
    add("get", run_get, "print the current settings (GET /config; secrets masked)")
    p = add("history", run_history, "past versions, newest first (GET /config/history)")
    p.add_argument("--limit", type=argtypes.positive_int, metavar="N", help="at most N versions")


def run_get(ctx, args):
    out = ctx.out
    _, _, doc, raw = ctx.client.call("GET", "/config")
    if out.is_json or doc is None:
        out.body(doc, raw)
        return EXIT_OK
    out.line(f"version {doc['version']}")
    out.table(["KEY", "VALUE"], [[k, cell(v)] for k, v in doc["config"].items()])
    tables.pending_reverts(out, doc.get("pending_reverts", []))
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
