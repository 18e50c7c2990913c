#!/usr/bin/env bash
# The zero-setup way to try omega-config: installs the Debian packages, builds
# omega-settingsd, and runs it in dev mode in the foreground — a private redis-server on a
# free loopback port, the bundled examples/omega.env (a copy) and schema, a fresh admin token,
# and the curl commands to try. Ctrl-C stops the daemon and its redis-server.
# Extra arguments go to omega-settingsd (e.g. --listen 127.0.0.1:9500).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${OMEGA_DEV_BUILD:-$root/build-daemon}

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" -DOMEGA_BUILD_TESTS=OFF -DOMEGA_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target omega-settingsd >&2
exec "$build/daemon/omega-settingsd" --dev "$@"
