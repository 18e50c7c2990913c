"""watch: one JSON line per new version until Ctrl-C."""

import sys
import time

from . import argtypes
from .exits import EXIT_OK, EXIT_REJECTED, EXIT_UNREACHABLE, CtlError


def register(add):
    p = add("watch", run_watch, "print one JSON line per new version until Ctrl-C (polls GET /config)")
    p.add_argument("--count", type=argtypes.positive_int, metavar="N", help="stop after N versions")
    p.add_argument(
        "--since", type=argtypes.version, metavar="V", help="print every version after V (default: the current version)"
    )
    p.add_argument(
        "--interval", type=argtypes.positive_float, default=1.0, metavar="SECONDS", help="poll interval (default 1)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress notes on stderr")


def _version_of(parsed):
    try:
        return int(parsed["version"])
    except (TypeError, KeyError, ValueError):
        raise CtlError(EXIT_REJECTED, "bad_response", 'GET /config answered without a decimal "version"')


def run_watch(ctx, args):
    """Polls GET /config with If-None-Match; one compact JSON line per new version."""
    client = ctx.client
    etag = None
    last = args.since
    if last is None:
        _, rheaders, parsed, _ = client.call("GET", "/config")
        last = _version_of(parsed)
        etag = rheaders.get("ETag")
        first_poll_now = False
    else:
        first_poll_now = True
    if not args.quiet:
        sys.stderr.write(f"omegactl: watching {client.display_url} for versions after {last} (Ctrl-C to stop)\n")
        sys.stderr.flush()
    printed = 0
    lost = False
    while args.count is None or printed < args.count:
        if not first_poll_now:
            time.sleep(args.interval)
        first_poll_now = False
        try:
            status, rheaders, parsed, _ = client.call(
                "GET", "/config", headers={"If-None-Match": etag} if etag else None, ok=(200, 304)
            )
        except CtlError as e:
            if e.exit_code != EXIT_UNREACHABLE:
                raise
            if not lost and not args.quiet:
                sys.stderr.write(f"omegactl: {e.message}; retrying\n")
                sys.stderr.flush()
            lost = True
            continue
        if lost and not args.quiet:
            sys.stderr.write(f"omegactl: reconnected to {client.display_url}\n")
            sys.stderr.flush()
        lost = False
        if status == 304:
            continue
        etag = rheaders.get("ETag")
        version = _version_of(parsed)
        if version > last:
            ctx.out.json(parsed, compact=True)
            last = version
            printed += 1
    return EXIT_OK
