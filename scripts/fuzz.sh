#!/usr/bin/env bash
# Short, bounded libFuzzer runs of the core's parsers (seconds per target: $1, default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
build=build-fuzz
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DOMEGA_FUZZ=ON \
  -DOMEGA_BUILD_TESTS=OFF -DOMEGA_BUILD_BENCH=OFF -DOMEGA_BUILD_DAEMON=OFF >/dev/null
cmake --build "$build" -j2 --target fuzz_snapshot fuzz_redis_url >/dev/null
for target in fuzz_snapshot fuzz_redis_url; do
  corpus=$(mktemp -d)
  cp fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
  echo "fuzz: $target for ${seconds}s"
  "$build/fuzz/$target" -max_total_time="$seconds" -max_len=4096 -artifact_prefix="$build/" "$corpus" 2>&1 | tail -n 2
  rm -rf "$corpus"
done
