#!/usr/bin/env bash
# Regenerates abi/omega_config.abi from a dev build (cmake --preset dev), after an intended,
# compatible change to the public C ABI. Commit the result with the change that caused it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cmake --preset dev >/dev/null
cmake --build --preset dev --target omega_config >/dev/null
abidw --headers-dir include --no-corpus-path --drop-private-types --no-show-locs --no-comp-dir-path \
  --no-elf-needed --suppressions abi/public.suppr --out-file abi/omega_config.abi build/dev/src/libomega_config.so
echo "abi/omega_config.abi updated; review it with git diff"
