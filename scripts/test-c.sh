#!/usr/bin/env bash
# scripts/test-c.sh — the C and C++ suites in three builds (CMakePresets.json):
#
#   build/dev/   every ctest test: the Criterion suites of the core (tests/c), the unit
#                tests of the shared reader and the daemon's model (tests/unit), the
#                installed-package test and the ABI check
#   build/asan/  ASan+UBSan, the tests labelled "sanitize"
#   build/tsan/  TSan, the core's suites (compiled against tests/c/th_shim.c: Criterion
#                cannot start under TSan)
#
# Every phase runs even when an earlier one failed; the script exits non-zero if any phase
# failed. Needs the packages of scripts/install-deps.sh.
#
# Environment:
#   OMEGA_TEST_C_PHASES   subset of "dev asan tsan" (default: all three)
#   CTEST_PARALLEL_LEVEL  ctest -j (default 1: the suites already run their tests in
#                         parallel, and some of them measure time)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PHASES=${OMEGA_TEST_C_PHASES:-dev asan tsan}
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2}
export CTEST_PARALLEL_LEVEL=${CTEST_PARALLEL_LEVEL:-1}
cd "$ROOT"

failed=()
started=$(date +%s)
phase() { printf '\n==== test-c: %s (%ss elapsed) ====\n' "$*" "$(($(date +%s) - started))"; }

# ThreadSanitizer of GCC 12 cannot map its shadow memory with the high mmap randomisation of
# newer kernels ("unexpected memory mapping"); run the TSan binaries without ASLR when the
# kernel uses more than 28 bits.
runner=()
if [ "$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 28)" -gt 28 ] && setarch "$(uname -m)" -R true 2>/dev/null; then
  runner=(setarch "$(uname -m)" -R)
fi

for p in $PHASES; do
  case "$p" in
    dev | asan | tsan) ;;
    *)
      echo "test-c: unknown phase '$p' (dev, asan, tsan)" >&2
      failed+=("unknown phase $p")
      continue
      ;;
  esac
  phase "$p build (build/$p/)"
  if ! log=$(cmake --preset "$p" 2>&1); then
    echo "$log"
    failed+=("$p: configure")
    continue
  fi
  cmake --build --preset "$p" 2>&1 | tail -n 40
  if [ "${PIPESTATUS[0]}" -ne 0 ]; then
    failed+=("$p: build")
    continue
  fi
  phase "$p tests"
  wrap=()
  [ "$p" = tsan ] && wrap=("${runner[@]}")
  "${wrap[@]}" ctest --preset "$p" || failed+=("$p: ctest")
done

phase "done"
if [ ${#failed[@]} -eq 0 ]; then
  echo "test-c: all phases passed ($PHASES)"
  exit 0
fi
echo "test-c: FAILED: ${failed[*]}"
exit 1
