"""The API's documents as tables, where more than one subcommand shows the same kind of thing."""

from .durations import format_seconds
from .output import cell

UNSET = "(unset)"


def changes(out, items, indent=""):
    """A diff's `changes` ({key, old?, new?} or {key, changed: true} for a secret) as
    `KEY  old → new` rows; a key absent on one side shows as (unset)."""
    rows = []
    for c in items:
        if c.get("changed") is True and "old" not in c and "new" not in c:
            rows.append([indent + c["key"], "changed (secret)"])
        else:
            old = cell(c["old"]) if "old" in c else UNSET
            new = cell(c["new"]) if "new" in c else UNSET
            rows.append([indent + c["key"], f"{old} → {new}"])
    if rows:
        out.table(None, rows)


def pending_reverts(out, items):
    """GET /config's `pending_reverts`: what a temporary change will put back, and when."""
    for p in items:
        when = p.get("revert_at", "?")
        if "remaining_s" in p:
            when += f" (in {format_seconds(p['remaining_s'])})"
        out.line(f"pending revert of v{p.get('version', '?')} at {when}: {', '.join(p.get('keys', []))}")
