#!/usr/bin/env bash
# Installs what is missing (Debian packages) and builds infsim in Release under build/.
# Idempotent: installed packages and an up-to-date build are skipped.
# Usage: scripts/setup.sh [extra cmake -D options...]
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential cmake pkg-config libsystemc-dev libeigen3-dev nlohmann-json3-dev catch2
      libbenchmark-dev libcli11-dev libonnx-dev libprotobuf-dev python3-onnx python3-numpy
      libonnx-testdata python3-matplotlib)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

BUILD_DIR=${INFSIM_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release "$@" > /dev/null
cmake --build "$BUILD_DIR" -j "${INFSIM_JOBS:-2}"
