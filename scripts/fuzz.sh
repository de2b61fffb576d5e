#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/, docs/RELIABILITY.md "Fuzzing") and runs each for a
# bounded time, starting from its seed corpus fuzz/corpus/<name>/.
#
#   scripts/fuzz.sh                  # every harness for 20 s (scripts/test.sh runs them 10 s each)
#   scripts/fuzz.sh 3600             # every harness for an hour
#   scripts/fuzz.sh 600 onnx config  # some harnesses (config graph_json plan sweep onnx cli_argv)
#
# Environment: INFSIM_FUZZ_BUILD_DIR (default build-fuzz; scripts/test.sh passes build-asan so
# that the sanitizer tree is reused), INFSIM_JOBS (build jobs, default 2), INFSIM_FUZZ_PARALLEL
# (harnesses run at once, default INFSIM_JOBS), INFSIM_FUZZ_FORKS (processes per harness,
# default none: libFuzzer's -fork=N). New inputs go to
# <build>/fuzz-corpus/<name>/ (kept between runs, so longer runs build on shorter ones), crashes
# to <build>/fuzz-artifacts/<name>-crash-*; the repository's seeds are not modified. A harness
# that finds a crash, a sanitizer report, an exception other than infsim::Error, a leak, an input
# slower than 10 s or using more than 2 GiB makes this script fail, after running the others.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(config graph_json plan sweep onnx cli_argv)
build=${INFSIM_FUZZ_BUILD_DIR:-build-fuzz}

if ! command -v clang++ > /dev/null; then
  echo "fuzz: clang++ not found; install Debian's clang and libclang-rt-dev" >&2
  exit 1
fi
# The sanitizer tree's settings (scripts/test.sh) plus the harnesses.
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None \
      -DCMAKE_CXX_FLAGS="-O1 -g1" -DINFSIM_FUZZ=ON -DINFSIM_BUILD_BENCH=OFF > /dev/null
targets=()
for n in "${names[@]}"; do targets+=("fuzz_$n"); done
cmake --build "$build" -j "${INFSIM_JOBS:-2}" --target "${targets[@]}"

# One harness: its log, then a status line in $build/fuzz-$n.status.
# Absolute paths: a harness may change directory (fuzz_cli_argv works in a private one), and
# libFuzzer reads the corpus files after the first input has run.
run_one() {
  local abs
  abs=$(realpath -m "$build")
  local n=$1 work="$abs/fuzz-corpus/$1" artifacts="$abs/fuzz-artifacts"
  local log="$build/fuzz-$1.log" status=0
  mkdir -p "$work" "$artifacts"
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    "$build/fuzz/fuzz_$n" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -fork="${INFSIM_FUZZ_FORKS:-0}" -print_final_stats=1 -artifact_prefix="$artifacts/$n-" \
      -dict="$PWD/fuzz/dict/$n.dict" "$work" "$PWD/fuzz/corpus/$n" > "$log" 2>&1 < /dev/null ||
      status=$?
  echo "$status" > "$build/fuzz-$n.status"
}

# The harnesses run INFSIM_FUZZ_PARALLEL at a time (default INFSIM_JOBS, 2).
parallel=${INFSIM_FUZZ_PARALLEL:-${INFSIM_JOBS:-2}}
echo "fuzz: ${names[*]}, ${seconds} s each, $parallel at a time (logs $build/fuzz-<name>.log)"
running=0
for n in "${names[@]}"; do
  rm -f "$build/fuzz-$n.status"
  run_one "$n" &
  running=$((running + 1))
  if [ "$running" -ge "$parallel" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

failed=()
for n in "${names[@]}"; do
  log="$build/fuzz-$n.log"
  status=$(cat "$build/fuzz-$n.status" 2> /dev/null || echo 1)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' |
          awk '{s += $1} END {print s + 0}')
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $n FOUND A PROBLEM after $execs executions (exit $status):" >&2
    grep -m 5 -E 'ERROR|finding|SUMMARY|Test unit written' "$log" >&2 || tail -n 20 "$log" >&2
    failed+=("$n")
  else
    echo "fuzz: $n ok, $execs executions, corpus $(ls "$build/fuzz-corpus/$n" | wc -l) inputs"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]} (inputs in $build/fuzz-artifacts/)" >&2
  exit 1
fi
