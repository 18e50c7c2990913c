#!/usr/bin/env bash
# Builds omega-settingsd with failpoints compiled in (build-daemon-test/), prepares the test
# venv, and runs the daemon suite (tests/daemon) against the real binary and redis-server.
# Extra arguments go to pytest (e.g. -k patch -x). Exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${OMEGA_DAEMON_TEST_BUILD:-$root/build-daemon-test}

cmake -S "$root" -B "$build" -DOMEGA_BUILD_TESTS=OFF -DOMEGA_BUILD_BENCH=OFF \
  -DOMEGA_FAILPOINTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target omega-settingsd

venv=$("$root/scripts/venv.sh")
export OMEGA_SETTINGSD_BIN="$build/daemon/omega-settingsd"
cd "$root"
# Run the whole suite unless a test path is given.
targets=(tests/daemon)
for a in "$@"; do case "$a" in tests/*) targets=();; esac; done
exec "$venv/bin/python" -m pytest "${targets[@]}" -q -p no:cacheprovider "$@"
