#!/usr/bin/env bash
# scripts/test-c.sh — the C test suites of omega-config, in three builds:
#
#   build/       normal build (default options), every ctest test, including
#                the installed-package test
#   build-asan/  -DOMEGA_SANITIZE=address (ASan+UBSan), the suites labelled
#                "sanitize" (every Criterion suite)
#   build-tsan/  -DOMEGA_SANITIZE=thread, the same suites (compiled against
#                tests/c/th_shim.c: Criterion cannot start under TSan)
#
# Every phase runs even when an earlier one failed; the script exits non-zero
# if any phase failed. Needs the packages of scripts/install-deps.sh.
#
# Environment:
#   OMEGA_TEST_C_PHASES   subset of "normal asan tsan" (default: all three)
#   OMEGA_CMAKE_ARGS      extra arguments for the normal configure
#   OMEGA_TEST_C_BUILD    build directory name (default "build"; the sanitizer
#                         builds go to "<name>-asan" and "<name>-tsan")
#   CTEST_PARALLEL_LEVEL  ctest -j (default 1: the suites already run their
#                         tests in parallel, and some of them measure time)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PHASES=${OMEGA_TEST_C_PHASES:-normal asan tsan}
JOBS=${CMAKE_BUILD_PARALLEL_LEVEL:-2}
export CTEST_PARALLEL_LEVEL=${CTEST_PARALLEL_LEVEL:-1}
B=${OMEGA_TEST_C_BUILD:-build}

failed=()
started=$(date +%s)

phase() { printf '\n==== test-c: %s (%ss elapsed) ====\n' "$*" "$(($(date +%s) - started))"; }

# configure+build DIR ARGS... ; returns non-zero on failure
build() {
  local dir=$1
  shift
  mkdir -p "$ROOT/$dir"
  cmake -S "$ROOT" -B "$ROOT/$dir" "$@" >"$ROOT/$dir/test-c-configure.log" 2>&1 ||
    { cat "$ROOT/$dir/test-c-configure.log"; return 1; }
  cmake --build "$ROOT/$dir" -j"$JOBS" 2>&1 | tail -n 40
  return "${PIPESTATUS[0]}"
}

# ThreadSanitizer of GCC 12 cannot map its shadow memory with the high mmap
# randomisation of newer kernels ("unexpected memory mapping"); run the TSan
# binaries without ASLR when the kernel uses more than 28 bits.
tsan_wrapper=()
if [ "$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 28)" -gt 28 ] &&
  setarch "$(uname -m)" -R true 2>/dev/null; then
  tsan_wrapper=(setarch "$(uname -m)" -R)
fi

normal_args=()
[ -f "$ROOT/bench/CMakeLists.txt" ] || normal_args+=(-DOMEGA_BUILD_BENCH=OFF)
# shellcheck disable=SC2206
normal_args+=(${OMEGA_CMAKE_ARGS:-})

for p in $PHASES; do
  case "$p" in
  normal)
    phase "normal build ($B/)"
    if build "$B" "${normal_args[@]}"; then
      phase "ctest ($B/)"
      ctest --test-dir "$ROOT/$B" --output-on-failure || failed+=("normal: ctest")
    else
      failed+=("normal: build")
    fi
    ;;
  asan)
    phase "ASan+UBSan build ($B-asan/)"
    if build "$B-asan" -DOMEGA_SANITIZE=address -DOMEGA_BUILD_DAEMON=OFF -DOMEGA_BUILD_BENCH=OFF; then
      phase "ctest -L sanitize ($B-asan/)"
      ctest --test-dir "$ROOT/$B-asan" --output-on-failure -L sanitize || failed+=("asan: ctest")
    else
      failed+=("asan: build")
    fi
    ;;
  tsan)
    phase "TSan build ($B-tsan/)"
    if build "$B-tsan" -DOMEGA_SANITIZE=thread -DOMEGA_BUILD_DAEMON=OFF -DOMEGA_BUILD_BENCH=OFF; then
      phase "ctest -L sanitize ($B-tsan/)${tsan_wrapper[*]:+ under ${tsan_wrapper[*]}}"
      "${tsan_wrapper[@]}" ctest --test-dir "$ROOT/$B-tsan" --output-on-failure -L sanitize ||
        failed+=("tsan: ctest")
    else
      failed+=("tsan: build")
    fi
    ;;
  *)
    echo "test-c: unknown phase '$p' (normal, asan, tsan)" >&2
    failed+=("unknown phase $p")
    ;;
  esac
done

phase "done"
if [ ${#failed[@]} -eq 0 ]; then
  echo "test-c: all phases passed ($PHASES)"
  exit 0
fi
echo "test-c: FAILED: ${failed[*]}"
exit 1
