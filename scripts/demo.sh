#!/usr/bin/env bash
# The demo: the paper's spiral data, a seen-cluster 80/20 split, and the baseline models.
set -euo pipefail
ARMED=${1:-build/armed}
OUT=${OUT:-out/demo}
mkdir -p "$OUT"
"$ARMED" simulate spiral --seed 48 --out "$OUT/spiral.csv"
"$ARMED" split --data "$OUT/spiral.csv" --cluster cluster --target y --by rows --test-fraction 0.2 \
  --train-out "$OUT/train.csv" --test-out "$OUT/test.csv"
for model in conventional cluster-input; do
  "$ARMED" train --data "$OUT/train.csv" --target y --cluster cluster --model "$model" --out "$OUT/$model"
  "$ARMED" evaluate --model "$OUT/$model" --data "$OUT/test.csv" > "$OUT/$model.metrics.json"
done
echo
echo "seen-cluster test (20% of each cluster):"
for model in conventional cluster-input; do
  printf '  %-14s %s\n' "$model" "$(awk '/"overall"/{o=1} o && /"(auroc|accuracy)"/' "$OUT/$model.metrics.json" | tr -d ' \n')"
done
