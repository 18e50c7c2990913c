#!/usr/bin/env bash
# The zero-setup way to try omega-config: installs the Debian packages, builds
# omega-settingsd, and runs it in dev mode in the foreground — a private redis-server on a
# free loopback port, the bundled examples/omega.env (a copy) and schema, a fresh admin token,
# and the curl commands to try. Ctrl-C stops the daemon and its redis-server.
# Extra arguments go to omega-settingsd (e.g. --listen 127.0.0.1:9500).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

"$root/scripts/install-deps.sh"
cd "$root"
cmake --preset release >/dev/null
cmake --build --preset release -j2 --target omega-settingsd >&2
exec build/release/daemon/omega-settingsd --dev "$@"
