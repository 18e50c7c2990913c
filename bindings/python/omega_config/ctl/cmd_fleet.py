"""The fleet: readers (who runs which version) and status (is everyone on the current one?).

status answers "is the rollout done?" in one line and in its exit code, so a deploy script
can wait on it: 0 when the writer is ready and every named reader is READY at the current
version, 1 when one is behind, ahead, STALE or in ERROR, 5 when the writer is not ready (or
cannot list its readers), and the usual 3/4 when it cannot be asked."""

from . import tables
from .durations import format_seconds
from .exits import EXIT_OK, EXIT_REJECTED, EXIT_UNAVAILABLE, HttpFailure


def register(add):
    add("readers", run_readers, "the readers of the settings: service, host, pid, version, state (GET /config/readers)")
    add(
        "status",
        run_status,
        "is every reader on the current version? One line, then the writer's readiness and pending "
        "reverts (exit 0 yes, 1 a reader behind or STALE, 5 writer not ready)",
    )


def run_readers(ctx, args):
    out = ctx.out
    _, _, doc, raw = ctx.client.call("GET", "/config/readers")
    if out.is_json or doc is None:
        out.body(doc, raw)
        return EXIT_OK
    readers = doc["readers"]
    if readers:
        rows = [
            [r["service"], r["host"], r["pid"], r["version"], r["state"], format_seconds(r["idle_s"])]
            for r in sorted(readers, key=lambda r: (r["service"], r["host"], r["pid"]))
        ]
        out.table(["SERVICE", "HOST", "PID", "VERSION", "STATE", "IDLE"], rows)
    counts = ", ".join(f"v{v}: {n}" for v, n in sorted(doc["by_version"].items(), key=lambda i: int(i[0])))
    out.line(f"{len(readers)} named reader(s)" + (f" ({counts})" if counts else ""))
    if doc.get("unnamed_subscribers"):
        out.line(f"{doc['unnamed_subscribers']} unnamed subscriber(s): plain readers, their versions are unknown")
    for node in doc.get("nodes", []):
        if "error" in node:
            out.line(f"node {node['node']} ({node['role']}) could not be asked: {node['error']}")
    return EXIT_OK


def run_status(ctx, args):
    out, client = ctx.out, ctx.client
    _, _, config, _ = client.call("GET", "/config")
    _, _, ready, _ = client.call("GET", "/readyz", ok=(200, 503))
    try:
        _, _, fleet, _ = client.call("GET", "/config/readers")
        fleet_error = None
    except HttpFailure as e:
        if e.exit_code != EXIT_UNAVAILABLE:
            raise
        fleet, fleet_error = None, e.payload

    version = config["version"]
    pending = config.get("pending_reverts", [])
    is_ready = isinstance(ready, dict) and ready.get("ready") is True
    summary, all_current = _summary(version, fleet)
    # A writer that cannot take changes (or list its readers) outranks a reader behind.
    code = EXIT_UNAVAILABLE if not is_ready or fleet is None else EXIT_OK if all_current else EXIT_REJECTED

    if out.is_json:
        doc = {"healthy": code == EXIT_OK, "summary": summary, "version": version, "readyz": ready}
        doc["readers"] = fleet
        if fleet_error is not None:
            doc["readers_error"] = fleet_error
        doc["pending_reverts"] = pending
        out.json(doc)
        return code
    out.line(summary)
    out.line(f"writer: v{version}, " + ("ready" if is_ready else f"NOT READY ({_why_not_ready(ready)})"))
    if pending:
        tables.pending_reverts(out, pending)
    else:
        out.line("pending reverts: none")
    if fleet is not None and fleet.get("unnamed_subscribers"):
        out.line(f"{fleet['unnamed_subscribers']} unnamed subscriber(s): plain readers, their versions are unknown")
    for node in (fleet or {}).get("nodes", []):
        if "error" in node:
            out.line(f"node {node['node']} ({node['role']}) could not be asked: {node['error']}")
    return code


def _summary(version, fleet):
    """("41/42 readers at v17, 1 STALE on host-b", all current?). A reader counts as current
    when it is READY at the writer's version; the others are grouped by what is wrong."""
    if fleet is None:
        return f"readers unknown (the writer could not list them); writer at v{version}", False
    readers = fleet["readers"]
    current = [r for r in readers if r["version"] == version and r["state"] == "READY"]
    groups = {}
    for r in readers:
        if r in current:
            continue
        label = r["state"] if r["state"] != "READY" else f"at v{r['version']}"
        groups.setdefault(label, []).append(r["host"])
    text = f"{len(current)}/{len(readers)} readers at v{version}"
    for label, hosts in sorted(groups.items()):
        names = sorted(set(hosts))
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        text += f", {len(hosts)} {label} on {shown}"
    return text, not groups


def _why_not_ready(ready):
    if not isinstance(ready, dict):
        return "no readiness document"
    parts = [name for name, ok in (("redis", ready.get("redis")), ("audit log", ready.get("audit"))) if ok is False]
    reasons = [f"{p} down" for p in parts]
    if ready.get("write_conflict"):
        reasons.append("write conflict: another writer published")
    if ready.get("message"):
        reasons.append(ready["message"])
    return "; ".join(reasons) or "not ready"
