"""Durations as people write them (`90s`, `15m`, `2h`, `1h30m`, `7d`) and as omegactl shows them.

`patch --for` turns one into the daemon's `revert_after_s`, which must be 1 s to 7 days: a
duration outside that range is a usage error here (exit 2), before any request is sent."""

import argparse
import re

MAX_REVERT_S = 7 * 24 * 3600  # the daemon's limit for revert_after_s (docs/daemon.md)

_UNIT_S = {"d": 86400, "h": 3600, "m": 60, "s": 1}
# Units largest first, each at most once: "1h30m", "2d12h", "45s". A bare number is seconds.
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def parse_seconds(text):
    """`15m` -> 900. Raises ValueError with a message that says what is accepted."""
    t = text.strip().lower()
    if t.isdigit():
        return int(t)
    m = _DURATION.fullmatch(t)
    if not t or m is None or not any(m.groups()):
        raise ValueError(f"not a duration: {text!r} (write it like 90s, 15m, 2h, 1h30m or 7d)")
    return sum(int(n) * _UNIT_S[u] for n, u in zip(m.groups(), "dhms") if n is not None)


def revert_after(text):
    """The argparse type of `patch --for`: seconds from 1 to 7 days."""
    try:
        seconds = parse_seconds(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e))
    if seconds < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is no time at all: a temporary change lasts at least 1s")
    if seconds > MAX_REVERT_S:
        raise argparse.ArgumentTypeError(
            f"{text!r} is longer than the daemon allows: a temporary change lasts at most 7d (604800s)"
        )
    return seconds


def format_seconds(seconds):
    """900 -> `15m`, 5400 -> `1h30m`, 0 -> `0s`: the two largest units that are not zero."""
    seconds = max(0, int(seconds))
    parts = []
    for unit in "dhms":
        n, seconds = divmod(seconds, _UNIT_S[unit])
        if n or (unit == "s" and not parts):
            parts.append(f"{n}{unit}")
    return "".join(parts[:2])
