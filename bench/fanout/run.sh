#!/usr/bin/env bash
# The fan-out benchmark (docs/scale.md): builds omega-swarm in the release preset, prepares the
# test venv (+ matplotlib for the plots), and runs fanout.py. Extra arguments go to fanout.py
# (--quick, --readers 100,1000, --replicas 0, ...). Bounded: every wait in it has a timeout.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
cmake --preset release >/dev/null
cmake --build --preset release -j2 --target omega-swarm
venv=$("$root/scripts/venv.sh")
"$venv/bin/python" -m pip install -q --disable-pip-version-check matplotlib
exec "$venv/bin/python" bench/fanout/fanout.py --swarm "$root/build/release/bench/fanout/omega-swarm" "$@"
