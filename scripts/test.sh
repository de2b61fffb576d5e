#!/usr/bin/env bash
# Sets up and builds, then runs the whole test suite (ctest: one process per test case,
# including the installed-package consumer). `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd "${INFSIM_BUILD_DIR:-build}"
ctest --output-on-failure -j "${INFSIM_JOBS:-2}"
