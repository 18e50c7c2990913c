#!/usr/bin/env bash
# test_installed.sh BUILD_DIR SOURCE_DIR
#
# Tests the installed package the way a user consumes it:
#   1. cmake --install BUILD_DIR into a temp prefix;
#   2. the shared object exports only omega_* (nm -D) and has SONAME
#      libomega_config.so.0.1 (readelf -d); the static library defines every
#      function of the header; omega_config.h is pure C99 and C++-clean (its
#      INIT macros included), omega_config.hpp warning-free under strict C++17/20;
#   3. builds bindings/c (C) and bindings/cpp (C++) with
#      $(pkg-config --cflags --libs omega_config) (PKG_CONFIG_PATH into the
#      staged prefix), the LOG_LEVEL example with pkg-config omega_log_level, and
#      static consumers in C (linked by cc) and C++ from libomega_config.a with
#      pkg-config --static; then both projects with find_package(omega_config
#      COMPONENTS static) (CMAKE_PREFIX_PATH);
#   4. runs every consumer against a private redis-server: each prints a
#      setting, then a reload, and exits 0 on SIGTERM; the static ones load no
#      libomega_config.so.
# Prints "N passed, N failed" at the end; exits non-zero on any failure.
set -uo pipefail

BUILD=${1:?usage: test_installed.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: test_installed.sh BUILD_DIR SOURCE_DIR}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$SRC" && pwd)
REDIS_SERVER=${OMEGA_TEST_REDIS_SERVER:-redis-server}
REDIS_CLI=${OMEGA_TEST_REDIS_CLI:-redis-cli}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/omega-installed-XXXXXX")
STAGE=$WORK/stage
REDIS_PID=
CONSUMER_PID=
cleanup() {
  [ -n "$CONSUMER_PID" ] && kill "$CONSUMER_PID" 2>/dev/null
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
check() { # check "description" command...
  local what=$1
  shift
  local out
  if out=$("$@" 2>&1); then ok "$what"; else bad "$what"; printf '%s\n' "$out" | sed 's/^/       /' | tail -40; fi
}
finish() {
  echo "installed-package: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

# ---- 1. install --------------------------------------------------------------
if ! cmake --install "$BUILD" --prefix "$STAGE" >"$WORK/install.log" 2>&1; then
  bad "cmake --install $BUILD"
  cat "$WORK/install.log"
  finish
fi
ok "cmake --install into a staged prefix"

SO=$(find "$STAGE" -name 'libomega_config.so.*.*.*' -type f | head -1)
PC=$(find "$STAGE" -name omega_config.pc | head -1)
CMCFG=$(find "$STAGE" -name omega_configConfig.cmake | head -1)
HDR=$STAGE/include/omega_config.h
[ -n "$SO" ] && ok "installed $(basename "$SO")" || bad "no libomega_config.so.X.Y.Z installed"
for f in include/omega_config.hpp include/omega_log_level.h; do
  [ -f "$STAGE/$f" ] && ok "installed $f" || bad "no $f installed"
done
for f in libomega_config.a libomega_log_level.a pkgconfig/omega_log_level.pc; do
  [ -n "$(find "$STAGE" -path "*/$f")" ] && ok "installed $f" || bad "no $f installed"
done
[ -n "$PC" ] && ok "installed omega_config.pc" || bad "no omega_config.pc installed"
[ -n "$CMCFG" ] && ok "installed omega_configConfig.cmake" || bad "no CMake package installed"
[ -f "$HDR" ] && ok "installed include/omega_config.h" || bad "no include/omega_config.h"
[ -n "$SO" ] && [ -n "$PC" ] && [ -n "$CMCFG" ] && [ -f "$HDR" ] || finish
LIBDIR=$(dirname "$SO")
for link in libomega_config.so libomega_config.so.0.1; do
  [ -L "$LIBDIR/$link" ] && ok "symlink $link" || bad "missing symlink $LIBDIR/$link"
done
if find "$STAGE" -name 'test_*' -o -name '*harness*' | grep -q .; then
  bad "test files installed: $(find "$STAGE" -name 'test_*' -o -name '*harness*')"
else
  ok "no test files installed"
fi

# ---- 2. symbols, SONAME, header ---------------------------------------------
SONAME=$(readelf -d "$SO" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$SONAME" = "libomega_config.so.0.1" ] && ok "SONAME $SONAME" ||
  bad "SONAME is '$SONAME', want libomega_config.so.0.1"

# Defined dynamic symbols: every one is omega_*, except the version node
# itself (an absolute 'A' symbol named after the version script's node).
nm -D --defined-only "$SO" | awk '{print $2, $3}' >"$WORK/syms"
stray=$(awk '$1 != "A" && $2 !~ /^omega_/ {print $2}' "$WORK/syms")
stray_abs=$(awk '$1 == "A" && tolower($2) !~ /^omega_config_[0-9_]+$/ {print $2}' "$WORK/syms")
if [ -z "$stray$stray_abs" ]; then ok "nm -D: only omega_* exported"; else
  bad "nm -D exports non-omega symbols:"; echo "$stray $stray_abs" | tr ' ' '\n' | head -20 | sed 's/^/       /'; fi
sed -n 's/^OMEGA_API[^(]*[ *]\(omega_[a-z0-9_]*\)(.*/\1/p' "$HDR" | sort -u >"$WORK/api"
awk '$1 != "A" {sub(/@.*/, "", $2); print $2}' "$WORK/syms" | sort -u >"$WORK/exported"
if [ "$(wc -l <"$WORK/api")" -lt 20 ]; then
  bad "could not read the API from the header ($(wc -l <"$WORK/api") functions)"
elif diff "$WORK/api" "$WORK/exported" >"$WORK/apidiff"; then
  ok "exports exactly the $(wc -l <"$WORK/api") functions of omega_config.h"
else
  bad "exports differ from the header (< header only, > exported only):"
  sed 's/^/       /' "$WORK/apidiff"
fi
nm -D --undefined-only "$SO" | grep -q ' redis' && ok "hiredis linked privately (undefined redis* resolved from libhiredis)" || true
# The static library: the same objects, so every function of the header is defined there too.
nm --defined-only "$LIBDIR/libomega_config.a" 2>/dev/null | awk '$2 == "T" {print $3}' | grep '^omega_' | sort -u >"$WORK/static_api"
if diff "$WORK/api" "$WORK/static_api" >"$WORK/static_apidiff"; then
  ok "libomega_config.a defines exactly the $(wc -l <"$WORK/api") functions of omega_config.h (and its internals)"
else
  bad "libomega_config.a's omega_* functions differ from the header:"
  sed 's/^/       /' "$WORK/static_apidiff"
fi

# The header, and both INIT macros, without a warning under -Wextra -Werror (in particular
# -Wmissing-field-initializers: a field appended without its place in the macro fails here).
cat >"$WORK/c99.c" <<'EOF'
#include <omega_config.h>
static const omega_cfg_options defaults = OMEGA_CFG_OPTIONS_INIT;
int main(void) {
  omega_cfg_options opts = OMEGA_CFG_OPTIONS_INIT;
  omega_cfg_status st = OMEGA_CFG_STATUS_INIT;
  (void)st;
  return omega_version_number() == OMEGA_CONFIG_VERSION_NUMBER && opts.struct_version == defaults.struct_version ? 0 : 1;
}
EOF
check "header and INIT macros are pure C99 (-std=c99 -pedantic -Wall -Wextra -Werror)" \
  cc -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$STAGE/include" "$WORK/c99.c"
cp "$WORK/c99.c" "$WORK/cxx.cc"
for std in c++11 c++17; do
  check "header and INIT macros compile as C++ (-std=$std -pedantic -Wall -Wextra -Werror)" \
    c++ -std=$std -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$STAGE/include" "$WORK/cxx.cc"
done
# omega_config.hpp, every template instantiated, under the warnings careful C++ projects use.
STRICT_CXX="-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast -Wnon-virtual-dtor -Werror"
cat >"$WORK/hpp.cc" <<'EOF'
#include <omega_config.hpp>
#include <string>
#include <vector>
int use(omega::Config& cfg) {
  cfg.require({"A", "B"});
  cfg.require(std::vector<std::string>{"C"});
  int n = cfg.get<int>("N").value_or(0) + static_cast<int>(cfg.get<std::uint16_t>("P").value_or(0));
  n += cfg.get<bool>("B").value_or(false) + static_cast<int>(cfg.get<double>("D").value_or(0));
  n += static_cast<int>(cfg.get<std::string>("S").value_or("").size());
  omega::Snapshot snap = cfg.snapshot();
  for (const omega::Entry& e : snap) n += static_cast<int>(e.key.size() + e.value.size());
  n += static_cast<int>(snap.get<std::string_view>("S").value_or("").size());
  n += static_cast<int>(snap.get<std::int64_t>("N").value_or(0));
  omega::Subscription sub = cfg.on_reload([&n](const omega::Reload& r) { n += r.changed("A") ? 1 : 0; });
  return n + static_cast<int>(cfg.status().version);
}
int main() {
  try {
    omega::Config cfg = omega::Config::open();
    return use(cfg);
  } catch (const omega::Error& e) {
    return e.status();
  }
}
EOF
for cxx in c++ clang++; do
  command -v "$cxx" >/dev/null || continue
  for std in c++17 c++20; do
    # shellcheck disable=SC2086
    check "omega_config.hpp: $cxx -std=$std $STRICT_CXX" \
      "$cxx" -std=$std $STRICT_CXX -fsyntax-only -I"$STAGE/include" "$WORK/hpp.cc"
  done
done

# ---- 3a. pkg-config ----------------------------------------------------------
export PKG_CONFIG_PATH=$(dirname "$PC")
PCFLAGS=$(pkg-config --cflags --libs omega_config 2>&1)
if [ $? -ne 0 ]; then bad "pkg-config --cflags --libs omega_config: $PCFLAGS"; PCFLAGS=; else
  ok "pkg-config --cflags --libs omega_config: $PCFLAGS"; fi
# The .pc must describe where it was installed, not the configure-time prefix
# (a relocatable .pc uses ${pcfiledir}).
# The public headers need nothing of hiredis, libsodium or OpenSSL: --cflags is the include dir.
CFLAGS_ONLY=$(pkg-config --cflags omega_config 2>&1 | xargs)
[ "$CFLAGS_ONLY" = "-I$(pkg-config --variable=includedir omega_config)" ] &&
  ok "pkg-config --cflags omega_config is the include directory only" ||
  bad "pkg-config --cflags omega_config leaks more than the include directory: $CFLAGS_ONLY"
PC_INC=$(realpath -m "$(pkg-config --variable=includedir omega_config 2>/dev/null)")
PC_LIB=$(realpath -m "$(pkg-config --variable=libdir omega_config 2>/dev/null)")
if [ "$PC_INC" = "$(realpath "$STAGE/include")" ] && [ "$PC_LIB" = "$(realpath "$LIBDIR")" ]; then
  ok "pkg-config includedir/libdir point into the installed prefix"
else
  bad "pkg-config points to includedir=$PC_INC libdir=$PC_LIB, not into the prefix it was installed to ($STAGE): the .pc is not relocatable"
fi
# The version lives in the header; the .pc file must say the same.
HEADER_VERSION=$(sed -n 's/^#define OMEGA_CONFIG_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' "$SRC/include/omega_config.h" | paste -sd.)
[ "$(pkg-config --modversion omega_config 2>/dev/null)" = "$HEADER_VERSION" ] && ok "pkg-config --modversion $HEADER_VERSION" ||
  bad "pkg-config --modversion is '$(pkg-config --modversion omega_config 2>&1)', the header says $HEADER_VERSION"
PKDIR=$WORK/pkgconfig-build
mkdir -p "$PKDIR"
# shellcheck disable=SC2086
check "cc omega_consumer.c \$(pkg-config --cflags --libs omega_config)" \
  cc -std=c99 -Wall -Wextra -Werror -o "$PKDIR/omega_consumer" \
  "$SRC/bindings/c/omega_consumer.c" $PCFLAGS -pthread
# shellcheck disable=SC2086
PCLOG=$(pkg-config --cflags --libs omega_log_level 2>&1) || bad "pkg-config omega_log_level: $PCLOG"
# shellcheck disable=SC2086
check "cc omega_log_level_example.c \$(pkg-config --cflags --libs omega_log_level): $PCLOG" \
  cc -std=c99 -Wall -Wextra -Werror -o "$PKDIR/omega_log_level_example" \
  "$SRC/bindings/c/omega_log_level_example.c" $PCLOG -pthread
# shellcheck disable=SC2086
check "c++ -std=c++17 omega_cpp_consumer.cc \$(pkg-config --cflags --libs omega_config)" \
  c++ -std=c++17 $STRICT_CXX -o "$PKDIR/omega_cpp_consumer" "$SRC/bindings/cpp/omega_cpp_consumer.cc" $PCFLAGS -pthread

# Static: pkg-config --static adds Requires.private and Libs.private (hiredis, libsodium,
# OpenSSL, the C++ runtime, threads). The linker prefers the .so beside the .a, so the
# archive is named: -l:libomega_config.a in place of -lomega_config.
STATIC_LIBS=$(pkg-config --static --libs omega_config 2>&1)
if [ $? -ne 0 ]; then bad "pkg-config --static --libs omega_config: $STATIC_LIBS"; else
  ok "pkg-config --static --libs omega_config: $STATIC_LIBS"; fi
for want in -lhiredis -lsodium -lssl -lcrypto -lstdc++ -pthread; do
  case " $STATIC_LIBS " in *" $want "*) ;; *) bad "pkg-config --static --libs lacks $want" ;; esac
done
STATIC_LIBS=${STATIC_LIBS/-lomega_config/-l:libomega_config.a}
PCCFLAGS=$(pkg-config --cflags omega_config)
# shellcheck disable=SC2086
check "static C consumer: cc omega_consumer.c \$(pkg-config --static ...) (a C program, linked by cc)" \
  cc -std=c99 -Wall -Wextra -Werror -o "$PKDIR/omega_consumer_static" "$SRC/bindings/c/omega_consumer.c" \
  $PCCFLAGS $STATIC_LIBS
# shellcheck disable=SC2086
check "static C++ consumer: c++ omega_cpp_consumer.cc \$(pkg-config --static ...)" \
  c++ -std=c++17 $STRICT_CXX -o "$PKDIR/omega_cpp_consumer_static" "$SRC/bindings/cpp/omega_cpp_consumer.cc" \
  $PCCFLAGS $STATIC_LIBS

# ---- 3b. find_package ---------------------------------------------------------
FPDIR=$WORK/find-package-build
check "cmake find_package(omega_config) configure of bindings/c" \
  cmake -S "$SRC/bindings/c" -B "$FPDIR" -DCMAKE_PREFIX_PATH="$STAGE" -DCMAKE_BUILD_TYPE=Release
check "cmake --build of bindings/c" cmake --build "$FPDIR" -j2
# The static component finds hiredis, libsodium and OpenSSL only when asked for, and says
# what to install when they are missing; the shared library needs none of them.
mkdir -p "$WORK/fp-probe"
cat >"$WORK/fp-probe/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.18)
project(probe C)
find_package(omega_config REQUIRED ${PROBE_COMPONENTS})
EOF
if PKG_CONFIG_LIBDIR=/nonexistent cmake -S "$WORK/fp-probe" -B "$WORK/fp-probe/shared" -DCMAKE_PREFIX_PATH="$STAGE" \
  >"$WORK/fp-shared.log" 2>&1; then
  ok "find_package(omega_config) without pkg-config modules: found (the shared library needs no -dev package)"
else
  bad "find_package(omega_config) failed without pkg-config modules:"; tail -15 "$WORK/fp-shared.log" | sed 's/^/       /'
fi
if PKG_CONFIG_LIBDIR=/nonexistent cmake -S "$WORK/fp-probe" -B "$WORK/fp-probe/static" -DCMAKE_PREFIX_PATH="$STAGE" \
  -DPROBE_COMPONENTS=static >"$WORK/fp-static.log" 2>&1; then
  bad "find_package(omega_config COMPONENTS static) succeeded without hiredis/libsodium"
elif grep -q "apt-get install pkg-config libhiredis-dev" "$WORK/fp-static.log" &&  # (CMake wraps the line)
  grep -q "libsodium-dev libssl-dev" "$WORK/fp-static.log"; then
  ok "find_package(omega_config COMPONENTS static) without hiredis/libsodium fails naming the apt packages"
else
  bad "find_package(omega_config COMPONENTS static) failed without naming the apt packages:"
  tail -15 "$WORK/fp-static.log" | sed 's/^/       /'
fi
FPCPP=$WORK/find-package-cpp
check "cmake find_package(omega_config COMPONENTS static) configure of bindings/cpp" \
  cmake -S "$SRC/bindings/cpp" -B "$FPCPP" -DCMAKE_PREFIX_PATH="$STAGE" -DCMAKE_BUILD_TYPE=Release
check "cmake --build of bindings/cpp" cmake --build "$FPCPP" -j2

# ---- 4. run them against a private redis ------------------------------------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
  echo $((20000 + RANDOM % 20000)))
mkdir -p "$WORK/redis"
"$REDIS_SERVER" --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no \
  --dir "$WORK/redis" --logfile "$WORK/redis/redis.log" --daemonize no >/dev/null 2>&1 &
REDIS_PID=$!
for _ in $(seq 1 200); do
  [ "$("$REDIS_CLI" -p "$PORT" PING 2>/dev/null)" = PONG ] && break
  sleep 0.05
done
cli() { "$REDIS_CLI" -p "$PORT" "$@"; }
publish() { # publish VERSION JSON: the pattern document's plain writer
  printf "MULTI\nSET omega:config '%s'\nSET omega:config:version %s\nPUBLISH config_channel '{\"event\":\"updated\",\"version\":\"%s\",\"prev_version\":\"%s\",\"changed\":[]}'\nEXEC\n" \
    "$2" "$1" "$1" "$(($1 - 1))" | cli >/dev/null
}
if [ "$(cli PING 2>/dev/null)" != PONG ]; then
  bad "private redis-server did not start on port $PORT"
  finish
fi
ok "private redis-server on 127.0.0.1:$PORT"
URL="redis://127.0.0.1:$PORT/0"
publish 1 '{"REDIS_URL":"redis://cache:6379/0","LOG_LEVEL":"warning","GREETING":"hello from omega"}'

run_consumer() { # run_consumer NAME BINARY shared|static
  local name=$1 bin=$2 linkage=$3
  if [ ! -x "$bin" ]; then bad "$name: $bin was not built"; return; fi
  local out
  out=$(LD_LIBRARY_PATH=$LIBDIR "$bin" -u "$URL" --once greeting 2>"$WORK/$name.err")
  [ "$out" = "greeting=hello from omega" ] && ok "$name prints a setting: $out" ||
    { bad "$name --once printed '$out'"; sed 's/^/       /' "$WORK/$name.err"; }
  # which library did it load?
  local loaded
  loaded=$(LD_LIBRARY_PATH=$LIBDIR ldd "$bin" | awk '/libomega_config/ {print $3}')
  case "$linkage:$loaded" in
    "static:") ok "$name loads no libomega_config.so (linked from libomega_config.a)" ;;
    "shared:$LIBDIR"/*) ok "$name loads the staged $(basename "$loaded")" ;;
    *) bad "$name ($linkage) loads libomega_config from '$loaded'" ;;
  esac

  # follow mode: a reload line, then a clean exit on SIGTERM
  LD_LIBRARY_PATH=$LIBDIR "$bin" -u "$URL" GREETING >"$WORK/$name.out" 2>"$WORK/$name.err" &
  CONSUMER_PID=$!
  for _ in $(seq 1 100); do grep -q '^GREETING=' "$WORK/$name.out" && break; sleep 0.05; done
  local v=$((++VERSION))
  publish "$v" "{\"REDIS_URL\":\"redis://cache:6379/0\",\"LOG_LEVEL\":\"debug\",\"GREETING\":\"v$v\"}"
  for _ in $(seq 1 100); do grep -q "^GREETING=v$v" "$WORK/$name.out" && break; sleep 0.05; done
  kill -TERM "$CONSUMER_PID"
  local rc=0
  wait "$CONSUMER_PID" || rc=$?
  CONSUMER_PID=
  if grep -q "^reload version=$v changed=GREETING,LOG_LEVEL$" "$WORK/$name.out" &&
    grep -q "^GREETING=v$v$" "$WORK/$name.out" && [ $rc -eq 0 ]; then
    ok "$name prints the reload to v$v and exits 0 on SIGTERM"
  else
    bad "$name follow mode (exit $rc):"
    sed 's/^/       out: /' "$WORK/$name.out"
    sed 's/^/       err: /' "$WORK/$name.err"
  fi
  publish $((++VERSION)) '{"REDIS_URL":"redis://cache:6379/0","LOG_LEVEL":"warning","GREETING":"hello from omega"}'
}
VERSION=1
run_consumer "pkg-config consumer" "$PKDIR/omega_consumer" shared
run_consumer "find_package consumer" "$FPDIR/omega_consumer" shared
run_consumer "pkg-config static C consumer" "$PKDIR/omega_consumer_static" static
run_consumer "find_package static C consumer" "$FPDIR/omega_consumer_static" static
run_consumer "pkg-config C++ consumer" "$PKDIR/omega_cpp_consumer" shared
run_consumer "find_package C++ consumer" "$FPCPP/omega_cpp_consumer" shared
run_consumer "pkg-config static C++ consumer" "$PKDIR/omega_cpp_consumer_static" static
run_consumer "find_package static C++ consumer" "$FPCPP/omega_cpp_consumer_static" static

# --all: every key of one pinned snapshot, through the C++ Snapshot iteration.
if [ -x "$FPCPP/omega_cpp_consumer" ]; then
  out=$(LD_LIBRARY_PATH=$LIBDIR "$FPCPP/omega_cpp_consumer" -u "$URL" --once --all LOG_LEVEL 2>/dev/null)
  want=$(printf 'version %s, 3 keys\n  GREETING=hello from omega (string)\n  LOG_LEVEL=warning (string)\n  REDIS_URL=redis://cache:6379/0 (string)\nLOG_LEVEL=warning' "$VERSION")
  [ "$out" = "$want" ] && ok "C++ consumer --all lists the pinned snapshot in key order" ||
    bad "C++ consumer --all printed:"$'\n'"$out"$'\n'"want:"$'\n'"$want"
fi

for ex in "$PKDIR/omega_log_level_example" "$FPDIR/omega_log_level_example"; do
  if [ -x "$ex" ]; then
    out=$(LD_LIBRARY_PATH=$LIBDIR "$ex" -u "$URL" --once 2>&1)
    [ "$out" = "log level: warning (4)" ] && ok "log-level example applies LOG_LEVEL ($ex)" ||
      bad "log-level example printed '$out' ($ex)"
  else
    bad "$ex was not built"
  fi
done

finish
