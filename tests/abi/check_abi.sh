#!/usr/bin/env bash
# check_abi.sh LIBRARY SOURCE_DIR — the stable C ABI guard.
#
# Compares the ABI of a freshly built libomega_config.so (the omega_* functions and every type
# they reach, read from its debug info) with the baseline committed in abi/omega_config.abi.
# Any difference fails: an incompatible one must not ship, and an intended compatible one (a
# new function, an option field appended under a bumped struct version) is acknowledged by
# running scripts/update-abi-baseline.sh and committing the new baseline with the change.
set -uo pipefail
lib=${1:?usage: check_abi.sh LIBRARY SOURCE_DIR}
src=${2:?usage: check_abi.sh LIBRARY SOURCE_DIR}
report=$(abidiff --suppressions "$src/abi/public.suppr" \
  "$src/abi/omega_config.abi" "$lib" 2>&1)
status=$?
if [ "$status" -eq 0 ]; then
  echo "abi: $lib matches abi/omega_config.abi"
  exit 0
fi
echo "$report"
# abidiff's status is a bit field: 4 = the ABI changed, 8 = incompatibly (removed symbols).
if [ $((status & 8)) -ne 0 ]; then
  echo "abi: INCOMPATIBLE change to the public ABI (abidiff status $status): this breaks every consumer."
else
  echo "abi: the public ABI changed (abidiff status $status). If it is intended and compatible, run"
  echo "     scripts/update-abi-baseline.sh and commit abi/omega_config.abi with the change."
fi
exit 1
