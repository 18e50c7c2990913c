"""watch: each new version and what changed, as it happens, until Ctrl-C.

It long-polls: `GET /config?wait=S` with `If-None-Match: "<version>"` parks on the daemon
until a new version is installed (200) or S seconds pass (304, ask again), so a new version
shows at once and an idle watch costs one request per S seconds, not one per second. A
connection that fails (daemon restarting, network) is retried with a growing pause, said
once on stderr; Ctrl-C exits 0 quietly."""

import argparse
import time

from . import argtypes, tables
from .exits import EXIT_OK, EXIT_REJECTED, EXIT_UNAVAILABLE, EXIT_UNREACHABLE, CtlError, HttpFailure

DEFAULT_WAIT_S = 30
MAX_WAIT_S = 60  # the daemon's limit for ?wait=
FIRST_RETRY_S, MAX_RETRY_S = 0.5, 5.0


def register(add):
    p = add(
        "watch",
        run_watch,
        "print each new version and its diff until Ctrl-C (long-polls GET /config?wait=S); "
        "in JSON one line per version: GET /config's document plus prev_version and changes",
    )
    p.add_argument("--count", type=argtypes.positive_int, metavar="N", help="stop after N versions")
    p.add_argument(
        "--since", type=argtypes.version, metavar="V", help="print every version after V (default: the current version)"
    )
    p.add_argument(
        "--wait",
        type=_wait_seconds,
        default=DEFAULT_WAIT_S,
        metavar="SECONDS",
        help=f"how long each long poll waits on the daemon (1 to {MAX_WAIT_S}, default {DEFAULT_WAIT_S})",
    )
    # Before long polls, watch polled every --interval seconds; scripts that pass it still run.
    p.add_argument("--interval", type=argtypes.positive_float, help=argparse.SUPPRESS)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress notes on stderr")


def _wait_seconds(text):
    seconds = argtypes.positive_int(text)
    if seconds > MAX_WAIT_S:
        raise argparse.ArgumentTypeError(f"at most {MAX_WAIT_S} (the daemon's limit): {text!r}")
    return seconds


def run_watch(ctx, args):
    try:
        return _watch(ctx, args)
    except KeyboardInterrupt:
        return EXIT_OK  # Ctrl-C is how a watch ends


def _watch(ctx, args):
    client, out = ctx.client, ctx.out
    note = (lambda text: None) if args.quiet else out.note
    if args.interval is not None:
        note("--interval is ignored: watch long-polls and sees a new version at once")
    last = args.since
    if last is None:
        last = _version_of(client.call("GET", "/config")[2])
    note(f"watching {client.display_url} for versions after {last} (Ctrl-C to stop)")
    tag = last  # the version the next long poll names in If-None-Match
    printed = 0
    retry = _Retry(note)
    while args.count is None or printed < args.count:
        # After a failure, ask once without waiting: the answer (304 at once) says the daemon
        # is back, and a parked long poll would keep that from the person for --wait seconds.
        wait = None if retry.failing else args.wait
        try:
            status, _, doc, _ = client.call(
                "GET",
                "/config",
                query={"wait": wait} if wait else None,
                headers={"If-None-Match": f'"{tag}"'},
                ok=(200, 304),
                timeout=(wait or 0) + client.timeout,  # the daemon holds the answer up to --wait
            )
        except (CtlError, HttpFailure) as e:
            if not _worth_retrying(e):
                raise
            retry.failed(e)
            continue
        retry.succeeded(client.display_url)
        if status == 304:
            continue
        version = _version_of(doc)
        tag = version  # even when not newer than --since: the next poll then waits
        if version <= last:
            continue
        _show(out, doc, last, _changes(client, last, version, note))
        last = version
        printed += 1
    return EXIT_OK


def _worth_retrying(e):
    # Unreachable (a restart, the network) or a writer that cannot answer now (503 busy):
    # both pass. A refusal (401, 400) would be the same next time.
    return e.exit_code in (EXIT_UNREACHABLE, EXIT_UNAVAILABLE)


class _Retry:
    """A pause that doubles from 0.5 s to 5 s while the daemon cannot be reached; the
    first failure (and a different one later) is said on stderr, the recovery too."""

    def __init__(self, note):
        self.note = note
        self.delay = None
        self.said = None

    def failed(self, e):
        self.delay = FIRST_RETRY_S if self.delay is None else min(self.delay * 2, MAX_RETRY_S)
        message = e.message if isinstance(e, CtlError) else e.payload.get("message", f"HTTP {e.status}")
        if message != self.said:
            self.note(f"{message}; retrying (every {FIRST_RETRY_S:g}s, backing off to {MAX_RETRY_S:g}s)")
            self.said = message
        time.sleep(self.delay)

    @property
    def failing(self):
        return self.delay is not None

    def succeeded(self, url):
        if self.delay is not None:
            self.note(f"reconnected to {url}")
        self.delay = self.said = None


def _version_of(doc):
    try:
        return int(doc["version"])
    except (TypeError, KeyError, ValueError):
        raise CtlError(EXIT_REJECTED, "bad_response", 'GET /config answered without a decimal "version"')


def _changes(client, old, new, note):
    """The API's diff from `old` to `new`, or None when the daemon cannot give it (`old` is no
    longer in its history, or never was: `--since 0`)."""
    try:
        return client.call("GET", "/config/diff", query={"from": old, "to": new})[2]["changes"]
    except HttpFailure as e:
        note(f"no diff from v{old} to v{new}: {e.payload.get('message', e.status)}")
    except CtlError as e:  # the daemon went away right after the version: show it anyway
        note(f"no diff from v{old} to v{new}: {e.message}")
    return None


def _show(out, doc, prev, changes):
    if out.is_json:
        # JSON Lines: one compact document per version, whatever --compact says.
        out.json({**doc, "prev_version": str(prev), "changes": changes}, compact=True)
        return
    n = "diff unknown" if changes is None else f"{len(changes)} change{'s' if len(changes) != 1 else ''}"
    out.line(f"v{doc['version']} (was v{prev}) at {time.strftime('%H:%M:%S')}: {n}")
    if changes:
        tables.changes(out, changes, indent="  ")
