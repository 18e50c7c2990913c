#!/usr/bin/env bash
# tests/wheel/test_wheel.sh [SOURCE_DIR] — the Python package as it is distributed:
#   1. scripts/build-wheel.sh builds the sdist, the wheel from the sdist and repairs it with
#      auditwheel, while pkg-config sees only hiredis, libsodium and openssl (so the Python
#      build needs nothing else: no cJSON, no daemon); the wheel is manylinux-tagged and
#      carries hiredis, libsodium, libssl and libcrypto in omega_config.libs/;
#   2. `pip wheel` of that sdist with pkg-config finding nothing stops with a message naming
#      the apt packages to install;
#   3. the wheel installs with `pip install --no-index` into a fresh venv inside a chroot of
#      this machine's Debian release (debootstrap minbase + python3-venv, made once into
#      build/wheel-root) that has no -dev package, no compiler, no pkg-config, and neither
#      hiredis, libsodium nor OpenSSL (libssl3 purged); there it imports, reads a setting from
#      a real redis-server on the host, follows a reload, and has every one of those four
#      libraries loaded from the wheel's own copies (tests/wheel/check_wheel.py).
# Prints "wheel: N passed, N failed" last; exits non-zero on any failure. Needs root (chroot,
# a private mount namespace for /proc and /dev) and, the first time, Debian's package mirror.
set -uo pipefail
SRC=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
ROOTFS=${OMEGA_WHEEL_ROOTFS:-$SRC/build/wheel-root}
REDIS_SERVER=${OMEGA_TEST_REDIS_SERVER:-redis-server}
REDIS_CLI=${OMEGA_TEST_REDIS_CLI:-redis-cli}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/omega-wheel-XXXXXX")
REDIS_PID=
cleanup() {
  if [ -n "$REDIS_PID" ]; then
    kill "$REDIS_PID" 2>/dev/null
    wait "$REDIS_PID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   - $*"; }
bad() { failed=$((failed + 1)); echo "FAIL - $*"; }
finish() {
  echo "wheel: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

# ---- 1. build the sdist and the manylinux wheel ------------------------------------------
# pkg-config may see hiredis, libsodium and OpenSSL only.
mkdir -p "$WORK/pc"
for m in hiredis libsodium openssl libssl libcrypto; do
  pc=$(pkg-config --path "$m" 2>/dev/null) && ln -s "$pc" "$WORK/pc/$m.pc"
done
if ! WHEEL=$(PKG_CONFIG_LIBDIR=$WORK/pc PKG_CONFIG_PATH= OMEGA_WHEEL_OUT=$WORK/dist \
  "$SRC/scripts/build-wheel.sh" 2>"$WORK/build.err"); then
  bad "scripts/build-wheel.sh"
  sed 's/^/       /' "$WORK/build.err" | tail -40
  finish
fi
SDIST=$(ls "$WORK"/dist/*.tar.gz)
ok "built $(basename "$SDIST") and, from it, $(basename "$WHEEL") with pkg-config seeing only hiredis, libsodium, openssl"
tar tzf "$SDIST" >"$WORK/sdist.list"
if grep -qE '/(daemon|tests)/' "$WORK/sdist.list"; then
  bad "the sdist carries daemon/ or tests/: $(grep -E '/(daemon|tests)/' "$WORK/sdist.list" | head -3)"
else
  ok "the sdist carries no daemon/ (nor its cJSON) and no tests/"
fi
case "$(basename "$WHEEL")" in
  *-manylinux_2_[0-9]*_x86_64.whl) ok "manylinux tag: $(basename "$WHEEL" .whl | sed 's/.*-//')" ;;
  *) bad "not a manylinux wheel: $(basename "$WHEEL")" ;;
esac
unzip -l "$WHEEL" >"$WORK/wheel.list"  # (grep -q on a pipe would SIGPIPE unzip under pipefail)
for lib in libhiredis libsodium libssl libcrypto; do
  if grep -qE "omega_config\.libs/$lib-[0-9a-f]+\.so" "$WORK/wheel.list"; then
    ok "the wheel carries $lib ($(grep -oE "omega_config\.libs/$lib-[^ ]+" "$WORK/wheel.list"))"
  else
    bad "the wheel does not carry $lib"
  fi
done

# ---- 2. the sdist where a -dev package is missing ---------------------------------------------
PKG_CONFIG_LIBDIR=/nonexistent PKG_CONFIG_PATH= "$SRC/build/venv-wheel/bin/python" -m pip wheel -q \
  --disable-pip-version-check --no-deps -w "$WORK/none" "$SDIST" >"$WORK/sdist.log" 2>&1
status=$?
if [ "$status" -ne 0 ] && grep -q "apt-get install libhiredis-dev libsodium-dev" "$WORK/sdist.log" &&
  grep -q "hiredis (pkg-config module 'hiredis')" "$WORK/sdist.log"; then
  ok "pip wheel of the sdist without hiredis/libsodium fails naming: apt-get install libhiredis-dev libsodium-dev"
else
  bad "pip wheel of the sdist without pkg-config modules (exit $status) did not name the apt packages:"
  tail -30 "$WORK/sdist.log" | sed 's/^/       /'
fi

# ---- 3. a machine without the libraries, the -dev packages or a compiler ----------------------
. /etc/os-release
if [ ! -f "$ROOTFS/.omega-ready" ]; then
  rm -rf "$ROOTFS"
  mkdir -p "$(dirname "$ROOTFS")"
  echo "# debootstrap $VERSION_CODENAME (minbase + python3-venv) into $ROOTFS, once" >&2
  if ! debootstrap --variant=minbase --include=python3,python3-venv "$VERSION_CODENAME" "$ROOTFS" \
    >"$WORK/debootstrap.log" 2>&1; then
    bad "debootstrap $VERSION_CODENAME into $ROOTFS (is debootstrap installed? scripts/install-deps.sh)"
    tail -20 "$WORK/debootstrap.log" | sed 's/^/       /'
    finish
  fi
  # OpenSSL comes in with python3 (its ssl and hashlib modules): remove it, so that only
  # the wheel's copy can serve the extension. pip installs a local wheel without it.
  chroot "$ROOTFS" dpkg --purge --force-depends libssl3 >"$WORK/purge.log" 2>&1 ||
    { bad "purge libssl3 in the chroot"; cat "$WORK/purge.log"; finish; }
  touch "$ROOTFS/.omega-ready"
fi
ok "chroot of Debian $VERSION_CODENAME at $ROOTFS"
found=$(find "$ROOTFS/usr/lib" "$ROOTFS/lib" -name 'libhiredis*' -o -name 'libsodium*' -o -name 'libssl.so*' \
  -o -name 'libcrypto.so*' 2>/dev/null)
[ -z "$found" ] && ok "the chroot has no hiredis, libsodium, libssl or libcrypto" ||
  bad "the chroot has system copies: $found"
tools=$(chroot "$ROOTFS" /bin/sh -c 'for t in cc gcc c++ g++ clang cmake pkg-config; do command -v $t; done')
[ -z "$tools" ] && ok "the chroot has no compiler, cmake or pkg-config" || bad "the chroot has build tools: $tools"
devs=$(chroot "$ROOTFS" dpkg-query -W -f '${Package}\n' | grep -E -- '-dev$')
[ -z "$devs" ] && ok "the chroot has no -dev package" || bad "the chroot has -dev packages: $devs"
py_tag=$(chroot "$ROOTFS" python3 -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
case "$(basename "$WHEEL")" in
  *-"$py_tag"-"$py_tag"-*) ;;
  *) bad "the chroot's python3 is $py_tag, the wheel is for another: $(basename "$WHEEL")"; finish ;;
esac

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/redis"
"$REDIS_SERVER" --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK/redis" \
  --logfile "$WORK/redis/redis.log" --daemonize no >/dev/null 2>&1 &
REDIS_PID=$!
for _ in $(seq 1 200); do
  [ "$("$REDIS_CLI" -p "$PORT" PING 2>/dev/null)" = PONG ] && break
  sleep 0.05
done
printf 'MULTI\nSET omega:config "{\\"GREETING\\":\\"hello from the host\\"}"\nSET omega:config:version 1\nEXEC\n' |
  "$REDIS_CLI" -p "$PORT" >/dev/null

rm -rf "$ROOTFS/wheels" "$ROOTFS/venv"
mkdir -p "$ROOTFS/wheels"
cp "$WHEEL" "$SRC/tests/wheel/check_wheel.py" "$ROOTFS/wheels/"
# A private mount namespace: /proc and /dev exist in the chroot only while this runs.
unshare --mount --propagation private /bin/sh -c "
  mount -t proc proc '$ROOTFS/proc' && mount --bind /dev '$ROOTFS/dev' &&
  exec env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 PKG_CONFIG_LIBDIR=/nonexistent $(command -v chroot) '$ROOTFS' /bin/sh -c '
    python3 -m venv /venv &&
    /venv/bin/pip install -q --no-index --disable-pip-version-check /wheels/$(basename "$WHEEL") &&
    echo installed &&
    /venv/bin/python /wheels/check_wheel.py 127.0.0.1 $PORT'" >"$WORK/chroot.log" 2>&1
status=$?
if grep -q '^installed$' "$WORK/chroot.log"; then
  ok "pip install --no-index $(basename "$WHEEL") into a fresh venv in the chroot"
else
  bad "pip install in the chroot (exit $status)"
fi
grep -v '^installed$' "$WORK/chroot.log" >"$WORK/chroot.out"
while IFS= read -r line; do
  case "$line" in
    "ok   - "*) ok "chroot: ${line#ok   - }" ;;
    "FAIL - "*) bad "chroot: ${line#FAIL - }" ;;
    *) echo "       $line" ;;
  esac
done <"$WORK/chroot.out"
[ "$status" -eq 0 ] || bad "the chroot run exited $status"
rm -rf "$ROOTFS/wheels" "$ROOTFS/venv"
finish
