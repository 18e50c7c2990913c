#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine: installs what it needs,
# then runs the C core (plain, ASan+UBSan, TSan), the daemon and the Python
# package suites, each against real redis-server instances it starts itself.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/test-c.sh
scripts/fuzz.sh 15
scripts/test-daemon.sh
# The Python suite's end-to-end tests drive the daemon the C build just made.
OMEGA_SETTINGSD_BIN=$PWD/build/dev/daemon/omega-settingsd scripts/test-python.sh
echo "omega-config: every suite passed"
