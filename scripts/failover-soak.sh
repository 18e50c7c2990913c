#!/usr/bin/env bash
# The failover drills, repeated (docs/scale.md): the Sentinel drill (primary SIGKILL, primary
# SIGSTOP, replica SIGKILL, Sentinel SIGSTOP + primary SIGKILL) and the cluster drill (slot
# owner SIGKILL and SIGSTOP), OMEGA_DRILL_ROUNDS rounds each (default 5), through
# scripts/test-python.sh (the installed package, omega-settingsd, omega-swarm). Prints one
# "DRILL {...}" line of measurements per run and pytest's summary. Extra arguments go to pytest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export OMEGA_DRILL_ROUNDS=${OMEGA_DRILL_ROUNDS:-5}
start=$(date +%s)
set +e
"$root/scripts/test-python.sh" -k "failover_drill" -s "$@" | tee "${OMEGA_SOAK_LOG:-/dev/null}" | grep -E "^DRILL |passed|failed|error"
rc=${PIPESTATUS[0]}
set -e
echo "failover-soak: $OMEGA_DRILL_ROUNDS round(s), $(( $(date +%s) - start )) s, exit $rc"
exit "$rc"
