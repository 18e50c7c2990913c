"""Settings values on the command line: KEY=VALUE in, a value's text out."""

import json
import math

__all__ = ["parse_assignment", "raw_text"]


def parse_assignment(text):
    """KEY=VALUE -> (KEY, value): VALUE as JSON when it parses (30, true, null, "x"), else the string."""
    key, eq, value = text.partition("=")
    key = key.strip()
    if not eq or not key:
        raise ValueError(f"expected KEY=VALUE, got an argument without a key or '=' (argument {_describe(text)})")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"the value of {key} is not valid UTF-8")

    def no_constants(name):
        raise ValueError(name)

    try:
        parsed = json.loads(value, parse_constant=no_constants)
    except ValueError:
        return key, value
    if not _finite(parsed):
        raise ValueError(f"the value of {key} is a number out of range")
    return key, parsed


def _describe(text):
    # Name the key part only: the value may be a secret.
    return repr(text.partition("=")[0][:64]) if "=" in text else f"of {len(text)} characters"


def _finite(value):
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    return True


def raw_text(value):
    """A value as a shell script wants it: a string bare, anything else as compact JSON text
    (`30`, `true`, `null`, `["a","b"]`)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
