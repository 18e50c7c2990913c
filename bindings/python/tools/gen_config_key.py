#!/usr/bin/env python3
"""Rewrites the ConfigKey members in omega_config/keys.py from a schema file.

python bindings/python/tools/gen_config_key.py [examples/omega.schema.json]
"""

import json
import pathlib
import re
import sys

here = pathlib.Path(__file__).resolve().parent
root = here.parents[2]
schema_path = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root / "examples/omega.schema.json"
keys_py = here.parent / "omega_config/keys.py"

names = sorted(json.loads(schema_path.read_text())["properties"])
members = "".join(f'    {n} = "{n}"\n' for n in names)
text = keys_py.read_text()
new = re.sub(
    r"(    # BEGIN GENERATED KEYS\n).*?(    # END GENERATED KEYS\n)",
    lambda m: m.group(1) + members + m.group(2),
    text,
    flags=re.S,
)
keys_py.write_text(new)
print(f"{keys_py}: {len(names)} keys")
