#!/usr/bin/env bash
# Installs omega_config the way a user would -- `pip install .` into a FRESH
# virtual environment (build/venv-user), core compiled in -- plus the test
# requirements, then runs tests/python from outside the source tree so the
# installed package is what gets imported. The end-to-end tests need
# omega-settingsd: $OMEGA_SETTINGSD_BIN, else it is built in build/release/; the failover
# drills need omega-swarm: $OMEGA_SWARM_BIN, else built there too.
# Extra arguments go to pytest (e.g. -k reload -x). Exits non-zero on failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$root/build/venv-user

rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check "$root"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$root/tests/requirements.txt"

if [ -z "${OMEGA_SETTINGSD_BIN:-}" ]; then
  (cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release -j2 --target omega-settingsd)
  export OMEGA_SETTINGSD_BIN=$root/build/release/daemon/omega-settingsd
fi
# The failover drills' C readers (bench/fanout/omega_swarm.c): $OMEGA_SWARM_BIN, else built.
if [ -z "${OMEGA_SWARM_BIN:-}" ]; then
  (cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release -j2 --target omega-swarm)
  export OMEGA_SWARM_BIN=$root/build/release/bench/fanout/omega-swarm
fi

# Outside the source tree: nothing on sys.path points at bindings/python.
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
cd "$workdir"
export OMEGA_EXPECT_INSTALLED_IN="$venv"
"$venv/bin/python" -m pytest -q -p no:cacheprovider "$root/tests/python" "$@"
