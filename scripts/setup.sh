#!/usr/bin/env bash
# Installs what is missing (Debian packages) and builds infsim in Release under build/.
# Idempotent: installed packages and an up-to-date build are skipped.
# Usage: scripts/setup.sh [extra cmake -D options...]
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential cmake pkg-config libsystemc-dev libeigen3-dev nlohmann-json3-dev catch2
      libbenchmark-dev libcli11-dev libonnx-dev libprotobuf-dev python3-onnx python3-numpy
      libonnx-testdata python3-matplotlib pybind11-dev python3-dev python3-pandas python3-tqdm)
scripts/install_packages.sh setup "${PKGS[@]}"

BUILD_DIR=${INFSIM_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release "$@" > /dev/null
cmake --build "$BUILD_DIR" -j "${INFSIM_JOBS:-2}"
