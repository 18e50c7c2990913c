#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine: installs what it needs, checks the
# house style, then runs the C/C++ suites (dev, ASan+UBSan, TSan builds), the fuzzers, the
# daemon suite and the Python suite, each against real redis-server instances it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/lint.sh
scripts/test-c.sh
scripts/fuzz.sh 15
# The daemon suite drives omega-model-check from the dev build test-c.sh just made.
OMEGA_MODEL_CHECK=$PWD/build/dev/tests/unit/omega-model-check scripts/test-daemon.sh
# The Python suite's end-to-end tests drive the daemon the dev build made.
OMEGA_SETTINGSD_BIN=$PWD/build/dev/daemon/omega-settingsd scripts/test-python.sh
# The manylinux wheel, installed where none of its libraries nor a compiler exist (a chroot).
tests/wheel/test_wheel.sh
echo "omega-config: every suite passed"
