#!/usr/bin/env bash
# Sets up and builds, then runs the default simulation (ResNet-50 on inf1.6xlarge, 16-stage
# NeuronCore Pipeline, 1,000 requests). Extra arguments go to `infsim run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec build/infsim run --preset inf1.6xlarge --model resnet50 --cores 16 --requests 1000 "$@"
