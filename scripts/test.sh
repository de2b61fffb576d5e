#!/usr/bin/env bash
# Sets up and builds, then runs the whole test suite (ctest: one process per test case,
# including the installed-package consumer), then the same suite built with AddressSanitizer and
# UndefinedBehaviorSanitizer (build-asan/). `.ci/run` calls this.
# INFSIM_SANITIZE_TESTS=0 skips the sanitizer pass.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
(cd "${INFSIM_BUILD_DIR:-build}" && ctest --output-on-failure -j "${INFSIM_JOBS:-2}")
if [ "${INFSIM_SANITIZE_TESTS:-1}" != 0 ]; then
  echo "test: sanitizer build (ASan + UBSan)"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINFSIM_SANITIZE=ON \
        -DINFSIM_BUILD_BENCH=OFF > /dev/null
  cmake --build build-asan -j "${INFSIM_JOBS:-2}"
  # The consumer test builds without sanitizers; it ran in the first pass.
  (cd build-asan && ctest --output-on-failure -j "${INFSIM_JOBS:-2}" -E consumer_find_package)
fi
