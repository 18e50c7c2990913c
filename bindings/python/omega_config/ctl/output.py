"""What omegactl prints, in one of two formats.

`json` (the default when stdout is not a terminal) prints the daemon's JSON as the API gave
it, so scripts and `jq` see a stable document; errors go to stderr as one JSON line, the
API's `{"error","message","details"}`. `table` (the default on a terminal) prints aligned
columns for people, and errors as the API's message followed by one line per detail."""

import json
import sys

FORMATS = ("json", "table")


class Output:
    def __init__(self, fmt=None, compact=False, stdout=None, stderr=None):
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        # None: -o was not given, so the format follows where stdout goes.
        self.explicit = fmt
        self.format = fmt or ("table" if _isatty(self.stdout) else "json")
        self.compact = compact

    @property
    def is_json(self):
        return self.format == "json"

    def json(self, obj, compact=None):
        """One JSON document on stdout (indented unless --compact)."""
        compact = self.compact if compact is None else compact
        if compact:
            text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        else:
            text = json.dumps(obj, ensure_ascii=False, indent=2)
        self.line(text)

    def body(self, parsed, raw):
        """An answer as the daemon sent it: its JSON, or its bytes when it is not JSON."""
        if parsed is None:
            self.stdout.write(raw.decode("utf-8", "replace"))
            self.stdout.flush()
        else:
            self.json(parsed)

    def line(self, text=""):
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def table(self, header, rows):
        """Aligned columns, two spaces apart; the last column is not padded. header: the
        column names, or None for rows alone."""
        cells = [[str(c) for c in row] for row in ([header] if header else []) + list(rows)]
        if not cells:
            return
        widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
        for r in cells:
            padded = [c.ljust(w) for c, w in zip(r[:-1], widths[:-1])] + [r[-1]]
            self.line("  ".join(padded).rstrip())

    def note(self, text):
        """A remark for the person at the terminal, on stderr (never part of the output)."""
        self.stderr.write(f"omegactl: {text}\n")
        self.stderr.flush()

    def error(self, payload):
        """The API's error (or a local one of the same shape) on stderr, every detail included."""
        if self.is_json:
            self.stderr.write(json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n")
        else:
            code = payload.get("error", "error")
            self.stderr.write(f"omegactl: {payload.get('message', '')} ({code})\n")
            for d in payload.get("details") or []:
                self.stderr.write(f"  {_detail(d)}\n")
        self.stderr.flush()


def _detail(d):
    if isinstance(d, dict):
        key, message = d.get("key", ""), d.get("message", "")
        return f"{key}: {message}" if key else str(message)
    return str(d)


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def cell(value):
    """A value in a table cell: a plain string bare, anything else (and a string that would be
    ambiguous bare: empty, padded, several lines) as compact JSON."""
    if isinstance(value, str) and value and value == value.strip() and value.isprintable():
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
