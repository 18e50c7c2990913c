#!/usr/bin/env bash
# Creates (once) the virtual environment the Python-driven tests run in, and
# prints its path. Re-running only installs what is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${OMEGA_VENV:-$root/build/venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$root/tests/requirements.txt" >&2
echo "$venv"
