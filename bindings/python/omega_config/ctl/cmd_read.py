"""Reading subcommands: get, history."""

from . import argtypes
from .exits import EXIT_OK
from .output import print_body


def register(add):
    add("get", run_get, "print the current settings (GET /config; secrets masked)")
    p = add("history", run_history, "past versions, newest first (GET /config/history)")
    p.add_argument("--limit", type=argtypes.positive_int, metavar="N", help="at most N versions")


def run_get(ctx, args):
    _, _, parsed, raw = ctx.client.call("GET", "/config")
    print_body(parsed, raw, args.compact)
    return EXIT_OK


def run_history(ctx, args):
    query = {"limit": args.limit} if args.limit is not None else None
    _, _, parsed, raw = ctx.client.call("GET", "/config/history", query=query)
    print_body(parsed, raw, args.compact)
    return EXIT_OK
