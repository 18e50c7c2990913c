"""What omegactl prints: JSON documents on stdout, errors on stderr."""

import json
import sys


def emit(obj, compact, stream=None):
    stream = stream or sys.stdout
    text = (
        json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        if compact
        else json.dumps(obj, ensure_ascii=False, indent=2)
    )
    stream.write(text + "\n")
    stream.flush()


def print_body(parsed, raw, compact):
    if parsed is None:
        sys.stdout.write(raw.decode("utf-8", "replace"))
        sys.stdout.flush()
    else:
        emit(parsed, compact)
