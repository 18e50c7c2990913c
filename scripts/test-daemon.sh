#!/usr/bin/env bash
# Builds omega-settingsd with failpoints compiled in (build/daemon-test/), prepares the test
# venv, and runs the daemon suite (tests/daemon) against the real binary and redis-server.
# Extra arguments go to pytest (e.g. -k patch -x). Exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cmake --preset daemon-test >/dev/null
cmake --build --preset daemon-test -j2

venv=$("$root/scripts/venv.sh")
export OMEGA_SETTINGSD_BIN="$root/build/daemon-test/daemon/omega-settingsd"
# Run the whole suite unless a test path is given.
targets=(tests/daemon)
for a in "$@"; do case "$a" in tests/*) targets=();; esac; done
exec "$venv/bin/python" -m pytest "${targets[@]}" -q -p no:cacheprovider "$@"
