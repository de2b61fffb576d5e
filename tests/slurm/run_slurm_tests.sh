#!/usr/bin/env bash
# `infsim sweep --slurm` on a real Slurm: starts a single-node cluster (tests/slurm/cluster.sh:
# munged, slurmctld, slurmd from Debian's munge and slurm-wlm, as root), then
#   1. a 20-point sweep through a 4-task job array gives the rows of the same sweep run locally
#      (all but wall_s), in point order, with the same columns;
#   2. --dry-run prints the shard plan, the sbatch command and the script, and writes nothing;
#   3. a resumed sweep (rows removed from the output) submits only the points without a row;
#   4. a task cancelled mid-run (scancel) leaves no partial row; --merge lists its missing
#      points with Slurm's reason from the task's log; the next run submits and completes them;
# and stops every daemon it started, by process id. Exit 0: passed; 1: failed; 77: skipped (the
# packages are missing or not root; under CI=true that fails instead).
# Usage: run_slurm_tests.sh INFSIM_BINARY SOURCE_DIR WORK_PARENT_DIR
set -uo pipefail
INFSIM=$1
SRC=$2
PARENT=$3
HERE=$(cd "$(dirname "$0")" && pwd)

missing=()
for c in munged slurmctld slurmd sbatch squeue scancel sinfo python3; do
  command -v "$c" > /dev/null || missing+=("$c")
done
why=""
[ ${#missing[@]} -gt 0 ] && why="missing ${missing[*]} (Debian packages slurm-wlm and munge; scripts/test.sh installs them)"
[ -z "$why" ] && [ "$(id -u)" -ne 0 ] && why="not root: the test starts munged, slurmctld and slurmd as root"
if [ -n "$why" ]; then
  if [ "${CI:-}" = true ]; then
    echo "FAIL: slurm tests: $why" >&2
    exit 1
  fi
  echo "WARNING: slurm tests skipped: $why" >&2
  exit 77
fi

# Under the build directory, not /tmp: the sweep warns about node-local paths.
WORK=$(mktemp -d "$PARENT/slurm_test.XXXXXX")
source "$HERE/cluster.sh"
cleanup() {
  cluster_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
check_contains() {  # TEXT PATTERN WHAT
  grep -qF -- "$2" <<< "$1" || fail "$3: expected '$2' in:"$'\n'"$1"
}

start=$(date +%s)
cluster_start "$WORK/cluster" || { echo "FAIL: the test cluster did not start" >&2; exit 1; }
cd "$WORK"

# The rows of CSV A equal the rows of CSV B apart from wall_s; both have B's columns; A's rows
# are in point order.
same_rows() {
  python3 - "$1" "$2" <<'EOF'
import csv, sys
def read(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]
ha, ra = read(sys.argv[1])
hb, rb = read(sys.argv[2])
if ha != hb:
    sys.exit(f"columns differ: {ha} vs {hb}")
w = ha.index("wall_s")
key = lambda r: int(r[0])
if [key(r) for r in ra] != sorted(key(r) for r in ra):
    sys.exit("rows not in point order: " + " ".join(r[0] for r in ra))
strip = lambda rows: sorted((r[:w] + r[w + 1:] for r in rows), key=key)
a, b = strip(ra), strip(rb)
if a != b:
    sys.exit(f"rows differ: {len(a)} vs {len(b)} rows; first difference: " +
             str(next(((x, y) for x, y in zip(a, b) if x != y), None)))
EOF
}

cat > spec.json << EOF
{"base": {"graph": "$SRC/examples/models/tiny_cnn.json", "preset": "inf1.xlarge", "requests": 20},
 "grid": {"cores": [1, 2, 3, 4], "seed": [1, 2, 3, 4, 5]}}
EOF
"$INFSIM" sweep spec.json --out local.csv --jobs 2 > /dev/null 2>&1 || fail "the local sweep failed"

echo "--- 1. 20 points through a 4-task array, as the local sweep"
out=$("$INFSIM" sweep spec.json --out slurm.csv --slurm --tasks 4 --wait 2>&1)
rc=$?
[ $rc -eq 0 ] || fail "--slurm --wait exited $rc: $out"
check_contains "$out" "20 points in 4 array tasks" "submission"
check_contains "$out" "20 of 20 points have a row" "merge"
same_rows slurm.csv local.csv || fail "the Slurm sweep's rows differ from the local sweep's"
[ "$(ls slurm.csv.slurm/part-* 2> /dev/null | wc -l)" -eq 0 ] ||
  fail "part files of the finished job were not removed after merging"
[ "$(ls slurm.csv.slurm/task-*.log | wc -l)" -eq 4 ] || fail "expected 4 task logs"
out=$("$INFSIM" sweep spec.json --out slurm.csv --slurm --wait 2>&1)
check_contains "$out" "nothing to submit" "a second run of a finished sweep"

echo "--- 2. --dry-run"
out=$("$INFSIM" sweep spec.json --out dry.csv --slurm --points-per-task 6 --partition test \
        --time 5 --sbatch-arg=--mem=100M --dry-run 2>&1)
rc=$?
[ $rc -eq 0 ] || fail "--dry-run exited $rc: $out"
# At most 6 points a task: 4 tasks, balanced.
for want in "20 points in 4 array tasks (nothing submitted)" "task 0: 5 points: 0-4" \
            "task 3: 5 points: 15-19" "--array=0-3" "--partition=test" "--time=5" "--mem=100M" \
            "#!/bin/bash" '3) points=15-19 ;;' "--points \"\$points\""; do
  check_contains "$out" "$want" "--dry-run output"
done
[ ! -e dry.csv ] && [ ! -e dry.csv.slurm ] || fail "--dry-run wrote files"

echo "--- 3. a resumed sweep submits only the points without a row"
# Points 3, 11 and 17 lose their rows (the point number is each row's first cell).
awk -F, 'NR == 1 || ($1 != 3 && $1 != 11 && $1 != 17)' slurm.csv > resumed.csv
out=$("$INFSIM" sweep spec.json --out resumed.csv --slurm --dry-run 2>&1)
check_contains "$out" "3 points in 3 array tasks" "resume dry run"
check_contains "$out" "task 1: 1 point: 11" "resume dry run"
out=$("$INFSIM" sweep spec.json --out resumed.csv --slurm --tasks 2 --wait 2>&1)
rc=$?
[ $rc -eq 0 ] || fail "resumed --slurm --wait exited $rc: $out"
check_contains "$out" "17 with a row" "resume"
check_contains "$out" "3 points in 2 array tasks" "resume"
ran=$(cat resumed.csv.slurm/task-*.log | grep -o '\] point [0-9]* (' | grep -o '[0-9]*' | sort -n |
      tr '\n' ' ')
[ "$ran" = "3 11 17 " ] || fail "the resumed job ran points '$ran', expected '3 11 17 '"
same_rows resumed.csv local.csv || fail "the resumed sweep's rows differ from the local sweep's"

echo "--- 4. a task cancelled mid-run, --merge, and the next run"
# Six points of about 0.5 s in one task, one point at a time: cancelled after its first row.
cat > slow.json << EOF
{"base": {"model": "resnet50", "preset": "inf1.6xlarge", "cores": 16, "requests": 25000},
 "grid": {"seed": [1, 2, 3, 4, 5, 6]}}
EOF
out=$("$INFSIM" sweep slow.json --out slow.csv --slurm --tasks 1 2>&1)
job=$(grep -o 'submitted job [0-9]*' <<< "$out" | grep -o '[0-9]*$')
[ -n "$job" ] || fail "no job id in: $out"
check_contains "$out" "--merge" "the message without --wait says how to merge"
part=slow.csv.slurm/part-$job-0.csv
for _ in $(seq 300); do
  [ "$({ wc -l < "$part"; } 2> /dev/null || echo 0)" -ge 2 ] && break
  sleep 0.1
done
scancel "$job"
for _ in $(seq 100); do
  [ -z "$(squeue --noheader --jobs "$job" 2> /dev/null)" ] && break
  sleep 0.2
done
# Rows of points that ran to the end: a point the cancellation cut short may still leave a
# `failed` row (its child was killed), which --merge leaves out by the resume rule.
rows_in_part=$(python3 - "$part" << 'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
s = rows[0].index("status")
print(sum(1 for r in rows[1:] if len(r) == len(rows[0]) and r[s] in ("ok", "error")))
EOF
)
[ "$rows_in_part" -ge 1 ] && [ "$rows_in_part" -lt 6 ] ||
  fail "the cancelled task's part has $rows_in_part rows, expected 1 to 5 (not cancelled mid-run?)"
tail -c1 "$part" | od -c | grep -q '\\n' || fail "the cancelled task's part ends in a cut-short row"
out=$("$INFSIM" sweep slow.json --out slow.csv --merge 2>&1)
rc=$?
echo "$out"
[ $rc -eq 0 ] || fail "--merge exited $rc: $out"
check_contains "$out" "$rows_in_part of 6 points have a row, $((6 - rows_in_part)) have none" "--merge"
check_contains "$out" "task 0 of job $job" "--merge names the task"
check_contains "$out" "CANCELLED" "--merge gives Slurm's reason from the task's log"
python3 - slow.csv "$rows_in_part" << 'EOF' || fail "slow.csv after the cancelled task"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
n = int(sys.argv[2])
assert len(rows) == n + 1, f"{len(rows) - 1} rows, expected {n}"
s = rows[0].index("status")
assert all(len(r) == len(rows[0]) and r[s] == "ok" for r in rows[1:]), "a partial or failed row"
EOF
out=$("$INFSIM" sweep slow.json --out slow.csv --slurm --wait 2>&1)
rc=$?
[ $rc -eq 0 ] || fail "the run after the cancelled one exited $rc: $out"
check_contains "$out" "$rows_in_part with a row" "the run after the cancelled one"
check_contains "$out" "$((6 - rows_in_part)) points in" "the run after the cancelled one"
check_contains "$out" "6 of 6 points have a row" "the run after the cancelled one"

echo "slurm tests: $failures failures, $(($(date +%s) - start)) s"
[ $failures -eq 0 ]
