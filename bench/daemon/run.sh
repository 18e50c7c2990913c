#!/usr/bin/env bash
# Builds omega-settingsd (release, no failpoints) and runs the side-by-side benchmark with
# etcd. Needs wrk, etcd-server (scripts/install-deps.sh installs them). Arguments go to
# bench_daemon.py (e.g. --requests 2000 --wrk-seconds 20 --workdir /var/tmp).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${OMEGA_DAEMON_BENCH_BUILD:-$root/build-daemon-bench}
cmake -S "$root" -B "$build" -DOMEGA_BUILD_TESTS=OFF -DOMEGA_BUILD_BENCH=OFF -DOMEGA_FAILPOINTS=OFF \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target omega-settingsd >&2
exec python3 "$root/bench/daemon/bench_daemon.py" --daemon "$build/daemon/omega-settingsd" "$@"
