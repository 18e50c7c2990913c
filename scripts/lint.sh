#!/usr/bin/env bash
# The house style, checked: clang-format (.clang-format) on every C and C++ file, ruff
# (pyproject.toml) lint and format on every Python file. Part of scripts/test.sh;
# scripts/format.sh applies both.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=$(scripts/venv.sh)
status=0
mapfile -t sources < <(git ls-files '*.c' '*.cc' '*.h' '*.hpp')
clang-format --dry-run --Werror "${sources[@]}" || status=1
"$venv/bin/ruff" check . || status=1
"$venv/bin/ruff" format --check . || status=1
[ "$status" -eq 0 ] && echo "lint: ${#sources[@]} C/C++ files and the Python tree follow the house style"
exit "$status"
