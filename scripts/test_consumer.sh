#!/usr/bin/env bash
# Installs the built library into a scratch prefix, then builds and runs examples/consumer
# against it with find_package(infsim), as a researcher's own CMake project would.
# Usage: scripts/test_consumer.sh BUILD_DIR
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "$1" && pwd)"
work="$build/consumer-test"
rm -rf "$work"
cmake --install "$build" --prefix "$work/prefix" > /dev/null
cmake -S "$src/examples/consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$work/build" -j 2 > /dev/null
"$work/build/consumer"
