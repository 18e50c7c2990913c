#!/usr/bin/env bash
# One command for every benchmark: builds Release (preset release, build/release), installs
# the omega_config package from this tree into the benchmark venv (build/venv-bench, made by
# scripts/venv.sh, so it has what the tests have: redis-py, pydantic-settings, matplotlib),
# runs everything side by side with its floors and peers (bench/collect.py), writes
# bench/results/latest.json, then renders BENCHMARKS.md and the plots (bench/report.py).
#
#   bench/run.sh [--quick] [--only reads,propagation,…] [--workdir DIR]
#
# --quick: a reduced run, under three minutes once built. Needs the packages of
# scripts/install-deps.sh (etcd-server, wrk, grpc++); without etcd the etcd columns say so.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

cmake --preset release >/dev/null
cmake --build --preset release -j2 >&2

venv=$(OMEGA_VENV="$root/build/venv-bench" scripts/venv.sh)
# Reinstall the package only when its sources changed (a pip build takes minutes on 2 cores).
stamp=$(git ls-files -co --exclude-standard -z include src common bindings/python cmake CMakeLists.txt pyproject.toml |
  xargs -0 sha1sum | sha1sum | cut -d' ' -f1)
if [ "$(cat "$venv/.omega-config-stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "bench: installing omega_config from this tree into $venv" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$root" >&2
  echo "$stamp" >"$venv/.omega-config-stamp"
fi

"$venv/bin/python" bench/collect.py --build "$root/build/release" --out bench/results/latest.json "$@"
"$venv/bin/python" bench/report.py bench/results/latest.json --markdown BENCHMARKS.md --plots bench/results
