#!/usr/bin/env bash
# Applies the house style in place: clang-format and ruff (fixes and format).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=$(scripts/venv.sh)
git ls-files '*.c' '*.cc' '*.h' '*.hpp' | xargs clang-format -i
"$venv/bin/ruff" check --fix . || true
"$venv/bin/ruff" format .
