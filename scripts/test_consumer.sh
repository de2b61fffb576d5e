#!/usr/bin/env bash
# Installs the built library into a scratch prefix, then builds and runs, as a researcher's own
# CMake projects would with find_package(infsim):
#   1. examples/consumer, examples/study and examples/tlm_memory (COMPONENTS tlm) against the
#      core package, with finding ONNX, Protobuf and Eigen3 disabled: the core package needs
#      SystemC and nlohmann_json only;
#   2. examples/consumer with -DCONSUMER_ONNX=ON: find_package(infsim COMPONENTS onnx) and
#      infsim::onnx, importing a test model when the build wrote one.
# Usage: scripts/test_consumer.sh BUILD_DIR
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "$1" && pwd)"
work="$build/consumer-test"
rm -rf "$work"
cmake --install "$build" --prefix "$work/prefix" > /dev/null
# (--no-warn-unused-cli: that nothing asks for the disabled packages is the point.)
core_only=(--no-warn-unused-cli -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release
           -DCMAKE_DISABLE_FIND_PACKAGE_ONNX=ON -DCMAKE_DISABLE_FIND_PACKAGE_Protobuf=ON
           -DCMAKE_DISABLE_FIND_PACKAGE_Eigen3=ON)
cmake -S "$src/examples/consumer" -B "$work/build" "${core_only[@]}" > /dev/null
cmake --build "$work/build" -j 2 > /dev/null
"$work/build/consumer"
cmake -S "$src/examples/study" -B "$work/study" "${core_only[@]}" > /dev/null
cmake --build "$work/study" -j 2 > /dev/null
"$work/study/study" 50
cmake -S "$src/examples/tlm_memory" -B "$work/tlm_memory" "${core_only[@]}" > /dev/null
cmake --build "$work/tlm_memory" -j 2 > /dev/null
"$work/tlm_memory/tlm_memory" 5 0 | tail -n 1
cmake -S "$src/examples/consumer" -B "$work/build-onnx" -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_BUILD_TYPE=Release -DCONSUMER_ONNX=ON > /dev/null
cmake --build "$work/build-onnx" -j 2 > /dev/null
model="$build/tests/onnx_models/tiny_encoder.onnx"
if [ -f "$model" ]; then
  "$work/build-onnx/consumer_onnx" "$model" > "$work/onnx_import.txt"
  head -n 2 "$work/onnx_import.txt"
else
  echo "consumer_onnx built; no test model at $model to import (python3-onnx missing)"
fi
