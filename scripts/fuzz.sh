#!/usr/bin/env bash
# Short, bounded libFuzzer runs of every parser (fuzz/CMakeLists.txt lists them). Seconds per
# target: $1 (default 20). Exits non-zero on the first crash (the input lands in build/fuzz/).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
build=build/fuzz
cmake --preset fuzz >/dev/null

targets=(fuzz_snapshot fuzz_redis_endpoint fuzz_json_tree fuzz_env_file fuzz_schema fuzz_sealed)
cmake --build --preset fuzz -j2 --target "${targets[@]}" >/dev/null
for target in "${targets[@]}"; do
  corpus=$(mktemp -d)
  cp fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
  # The bundled examples are seeds too (one copy of each, in examples/).
  case "$target" in
    fuzz_env_file) cp examples/omega.env "$corpus"/ ;;
    fuzz_schema) cp examples/omega.schema.json "$corpus"/ ;;
    fuzz_snapshot | fuzz_json_tree) cp examples/omega.schema.json "$corpus"/schema.json ;;
  esac
  dict=()
  [ "$target" = fuzz_schema ] && dict=(-dict=fuzz/schema.dict)
  [ "$target" = fuzz_sealed ] && dict=(-dict=fuzz/sealed.dict)
  echo "fuzz: $target for ${seconds}s"
  "$build/fuzz/$target" "${dict[@]}" -max_total_time="$seconds" -max_len=8192 -artifact_prefix="$build/" "$corpus" 2>&1 | tail -n 1
  rm -rf "$corpus"
done
