#!/usr/bin/env bash
# Installs the Debian packages the build, the daemon and the tests need.
# Idempotent: does nothing when every package is already present.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libhiredis-dev libcjson-dev libmicrohttpd-dev libsodium-dev libssl-dev openssl
  libcriterion-dev libbenchmark-dev
  redis-server redis-tools redis-sentinel curl jq  # redis-sentinel: the failover drills
  python3-venv
  wrk etcd-server etcd-client  # the benchmarks' peer and load generator (bench/run.sh)
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc  # etcd's gRPC API (bench/etcd)
  clang libclang-rt-14-dev  # libFuzzer targets (scripts/fuzz.sh)
  abigail-tools clang-format  # the ABI guard (tests/abi) and the house format
  systemd logrotate  # the deploy kit's checks: systemd-analyze verify, a real logrotate run
  chromium chromium-driver  # the web console in a headless browser (tests/daemon/test_console.py)
  debootstrap unzip  # the wheel test's chroot without the libraries (tests/wheel)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "install-deps: installing ${missing[*]}" >&2
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
