#!/usr/bin/env bash
# Short, bounded libFuzzer runs of every parser: the reader's snapshot JSON and
# Redis URL, the daemon's .env, strict JSON and schema. Seconds per target: $1
# (default 20). Exits non-zero on the first crash (the input lands in build-fuzz/).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
build=build-fuzz
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DOMEGA_FUZZ=ON \
  -DOMEGA_BUILD_DAEMON=ON -DOMEGA_BUILD_TESTS=OFF -DOMEGA_BUILD_BENCH=OFF >/dev/null

# target=seed corpus
targets=(
  fuzz/fuzz_snapshot=fuzz/corpus/fuzz_snapshot
  fuzz/fuzz_redis_url=fuzz/corpus/fuzz_redis_url
  daemon/fuzz_env_file=daemon/fuzz/corpus/env
  daemon/fuzz_strict_json=daemon/fuzz/corpus/json
  daemon/fuzz_schema=daemon/fuzz/corpus/schema
)
cmake --build "$build" -j2 --target $(for t in "${targets[@]}"; do basename "${t%%=*}"; done) >/dev/null
for entry in "${targets[@]}"; do
  binary=$build/${entry%%=*}
  corpus=$(mktemp -d)
  cp "${entry#*=}"/* "$corpus"/ 2>/dev/null || true
  echo "fuzz: $(basename "$binary") for ${seconds}s"
  "$binary" -max_total_time="$seconds" -max_len=8192 -artifact_prefix="$build/" "$corpus" 2>&1 | tail -n 1
  rm -rf "$corpus"
done
