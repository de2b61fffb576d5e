#!/usr/bin/env bash
# Installs the test-only packages (below), sets up and builds, then runs the whole test suite
# (ctest: one process per test case, including the installed-package consumer), then the same
# suite built with AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/). `.ci/run` calls
# this.
# INFSIM_SANITIZE_TESTS=0 skips the sanitizer pass. The sanitizer tree also builds the libFuzzer
# harnesses (fuzz/), and each runs for INFSIM_FUZZ_SECONDS (default 10; 0 skips them) from its
# seed corpus (scripts/fuzz.sh; docs/RELIABILITY.md).
set -euo pipefail
cd "$(dirname "$0")/.."

# Test-only packages: PyTorch and torchvision export the real models the ONNX import tests read
# (tests/onnx/export_torch.py; docs/ONNX.md). They are large (~170 packages, ~570 MB), so
# scripts/setup.sh and scripts/run.sh do not install them. libopenblas0-pthread is libtorch's
# recommended BLAS: without it (--no-install-recommends) torch falls back to the reference BLAS
# and its matrix products make the exports markedly slower (ViT-B/16: 61 s instead of 37 s).
# Installed before setup.sh configures the build, so that CMake finds them.
# clang and its sanitizer runtimes build the sanitizer pass (below). pytest runs the Python
# package's tests (python/tests, ctest's python_package). slurm-wlm and munge: the test of
# `infsim sweep --slurm` (tests/slurm/run_slurm_tests.sh) starts a real single-node Slurm cluster
# (munged, slurmctld, slurmd) and stops it.
TEST_PKGS=(python3-torch python3-torchvision libopenblas0-pthread clang libclang-rt-dev
           python3-pytest slurm-wlm munge)
scripts/install_packages.sh test "${TEST_PKGS[@]}"

scripts/setup.sh
(cd "${INFSIM_BUILD_DIR:-build}" && ctest --output-on-failure -j "${INFSIM_JOBS:-2}")
if [ "${INFSIM_SANITIZE_TESTS:-1}" != 0 ]; then
  echo "test: sanitizer build (ASan + UBSan, clang)"
  # Built with clang (a second compiler's warnings, and it compiles the instrumented code about
  # 1.3x faster than GCC here) at -O1 -g1 (line tables): what ASan recommends for its reports, at
  # half the compile time of -O2 -g. The test models of the first build are reused.
  cmake -S . -B build-asan -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None \
        -DCMAKE_CXX_FLAGS="-O1 -g1" -DINFSIM_SANITIZE=ON -DINFSIM_FUZZ=ON \
        -DINFSIM_BUILD_BENCH=OFF \
        -DINFSIM_TEST_MODELS_FROM="$PWD/${INFSIM_BUILD_DIR:-build}/tests" > /dev/null
  cmake --build build-asan -j "${INFSIM_JOBS:-2}"
  # The consumer test builds without sanitizers, and the real Slurm cluster's test drives the
  # CLI as a program (its logic runs sanitized in the [slurm] cases): both ran in the first pass.
  # So did the run of every row of validation/inf1.json (32 s of CPU sanitized, 8.5 s not;
  # validate's own code runs sanitized in the [validate][cli] cases), and three property sweeps
  # that compile the built-in models hundreds of times (95, 36 and 23 s of CPU sanitized, 5, 2
  # and 2 s not): the compiler code they sweep runs sanitized in the smaller [tiling] and
  # [compiler] cases.
  (cd build-asan && ctest --output-on-failure -j "${INFSIM_JOBS:-2}" \
     -E "consumer_find_package|slurm_sweep|every row of validation/inf1.json|fitting is monotone in cores and State Buffer|the core-count table: more cores never fit less|the configurations users run now fit")
  if [ "${INFSIM_FUZZ_SECONDS:-10}" != 0 ]; then
    echo "test: fuzzers, ${INFSIM_FUZZ_SECONDS:-10} s each"
    INFSIM_FUZZ_BUILD_DIR=build-asan scripts/fuzz.sh "${INFSIM_FUZZ_SECONDS:-10}"
  fi
fi
