#!/usr/bin/env bash
# ctest's python_package: pytest over python/tests against the build tree's package.
# Usage: python/tests/run_tests.sh "MISSING DEBIAN PACKAGES" PYTHON BUILD_DIR
# With packages missing it says which and skips (exit 77), or fails under CI=true, as the C++
# tests do (tests/support.hpp, missing_dependency).
set -euo pipefail
missing=$1
py=$2
build="$(cd "$3" && pwd)"
src="$(cd "$(dirname "$0")/../.." && pwd)"
if [ -n "$missing" ]; then
  msg="the Python package's tests need Debian's $missing (scripts/setup.sh and scripts/test.sh install them); configure the build again"
  case "${CI:-}" in
    [Tt][Rr][Uu][Ee] | 1 | [Yy][Ee][Ss])
      echo "missing test dependency (CI=true, so this fails): $msg"
      exit 1
      ;;
  esac
  echo "skipped: $msg"
  exit 77
fi
export PYTHONPATH="$build/python${PYTHONPATH:+:$PYTHONPATH}"
export INFSIM_TEST_BUILD_DIR="$build"
export MPLBACKEND=Agg
cd "$build"
exec "$py" -m pytest -q -p no:cacheprovider "$src/python/tests"
