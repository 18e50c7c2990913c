#!/usr/bin/env python3
"""A daemon fixture with K string settings, for the benchmarks that drive omega-settingsd.

    python bench/daemon/fixture.py DIR --keys K

writes DIR/omega.schema.json (K required strings BENCH_SETTING_0000…, as pydantic's
model_json_schema() gives them), DIR/omega.env (each set to a 30-character value, so a
200-key snapshot is about the size of the propagation benchmark's) and DIR/admin-tokens
(mode 0600, one "bench:<64 hex>" line).
"""

import argparse
import json
import os


def key(i):
    return f"BENCH_SETTING_{i:04d}"


def value(i, round_=0):
    return f"value-{i:05d}-{round_:08d}-abcdefgh"


def write_fixture(directory, keys):
    """Writes the three files into directory; returns the admin bearer token."""
    os.makedirs(directory, exist_ok=True)
    schema = {
        "additionalProperties": False,
        "properties": {key(i): {"title": key(i).title(), "type": "string"} for i in range(keys)},
        "required": [key(i) for i in range(keys)],
        "title": "BenchSettings",
        "type": "object",
    }
    with open(os.path.join(directory, "omega.schema.json"), "w") as f:
        json.dump(schema, f, indent=1)
    with open(os.path.join(directory, "omega.env"), "w") as f:
        f.writelines(f"{key(i)}={value(i)}\n" for i in range(keys))
    bearer = os.urandom(32).hex()
    path = os.path.join(directory, "admin-tokens")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"bench:{bearer}\n")
    return bearer


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--keys", type=int, default=200)
    args = ap.parse_args()
    write_fixture(args.dir, args.keys)


if __name__ == "__main__":
    main()
