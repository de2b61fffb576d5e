#!/usr/bin/env bash
# Runs the example what-if studies (docs/SWEEP.md, "What-if studies") and plots each as PNG.
# Usage: examples/whatif/run_all.sh [OUT_DIR]          (default OUT_DIR: build/whatif)
# Environment: INFSIM=path of the infsim binary (default: build/infsim), JOBS=points at once
# (default: every core). Sweeps resume: run it again and only missing points are simulated.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
infsim=${INFSIM:-$root/build/infsim}
out=${1:-$root/build/whatif}
plot=$root/scripts/plot.py
jobs=()
if [ -n "${JOBS:-}" ]; then jobs=(--jobs "$JOBS"); fi
if [ ! -x "$infsim" ]; then
  echo "run_all.sh: no infsim binary at $infsim (build it: scripts/setup.sh, or set INFSIM)" >&2
  exit 1
fi
mkdir -p "$out"

sweep() {  # sweep NAME: examples/whatif/NAME.json -> OUT_DIR/NAME.csv
  echo "== $1"
  local start=$SECONDS
  "$infsim" sweep "$here/$1.json" --out "$out/$1.csv" "${jobs[@]}" 2>"$out/$1.log"
  echo "   $((SECONDS - start)) s (progress in $out/$1.log)"
}

sweep min_cores_sram
"$plot" xy "$out/min_cores_sram.csv" --x core.sram.capacity_mib --y cores --group model \
  --reduce min --logx --xlabel "State Buffer per NeuronCore (MiB)" \
  --ylabel "fewest NeuronCores holding every weight" \
  --title "Minimal pipeline length as SRAM per core grows (inf1.24xlarge, no weight streaming)" \
  -o "$out/min_cores_sram.png"

sweep bert_large_neuronlink
"$plot" xy "$out/bert_large_neuronlink.csv" --x neuronlink.bandwidth_gib_s \
  --y throughput_per_s --logx \
  --xlabel "NeuronLink bandwidth per direction (GiB/s)" --ylabel "inferences/s" \
  --title "BERT-large, 64-stage pipeline on inf1.24xlarge: throughput" \
  -o "$out/bert_large_neuronlink_throughput.png"
"$plot" xy "$out/bert_large_neuronlink.csv" --x neuronlink.bandwidth_gib_s \
  --y latency_ms.p50,latency_ms.p99 --logx --logy \
  --xlabel "NeuronLink bandwidth per direction (GiB/s)" --ylabel "latency (ms)" \
  --title "BERT-large, 64-stage pipeline on inf1.24xlarge: latency" \
  -o "$out/bert_large_neuronlink_latency.png"

sweep latency_throughput
"$plot" latency "$out/latency_throughput.csv" --group groups --percentiles p50,p99 --logy \
  --title "ResNet-50 on inf1.6xlarge, open loop: pipeline (groups=1) vs data-parallel" \
  -o "$out/latency_throughput.png"

echo "== stage utilization of the default run"
"$infsim" run --json "$out/resnet50_run.json" >/dev/null
"$plot" stages "$out/resnet50_run.json" -o "$out/resnet50_stages.png"

echo "PNGs in $out:"
ls -1 "$out"/*.png
