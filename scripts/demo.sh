#!/usr/bin/env bash
# The demo: the paper's spiral benchmark on simulated data (10 clusters x 1000 points), every
# model trained with the same seeds, seen-cluster test on 20% of each cluster's rows.
set -euo pipefail
ARMED=${1:-build/armed}
OUT=${OUT:-out}
mkdir -p "$OUT"
"$ARMED" benchmark spiral --quiet --seed 48 --json "$OUT/spiral-benchmark.json"
echo "(results also in $OUT/spiral-benchmark.json)"
