#!/usr/bin/env bash
# The report in docs/models.md ("Reports"): armed trained on 8 spiral clusters, reported on held-out rows of those and
# on 2 clusters it never saw. Writes OUT/report.html (and OUT/report.png with Chromium).
set -euo pipefail
A=${1:-build/armed}
OUT=${OUT:-out/report-example}
mkdir -p "$OUT"
"$A" --quiet simulate spiral --seed 48 --out "$OUT/spiral.csv"
"$A" --quiet split --data "$OUT/spiral.csv" --cluster cluster --by clusters --test-fraction 0.2 \
  --train-out "$OUT/seen.csv" --test-out "$OUT/unseen.csv"
"$A" --quiet split --data "$OUT/seen.csv" --cluster cluster --target y --train-out "$OUT/train.csv" --test-out "$OUT/seen-test.csv"
(cat "$OUT/seen-test.csv"; tail -n +2 "$OUT/unseen.csv") > "$OUT/test.csv"
"$A" --quiet train --data "$OUT/train.csv" --target y --cluster cluster --model armed --out "$OUT/model"
"$A" report --model "$OUT/model" --data "$OUT/test.csv" --out "$OUT/report.html"
if command -v chromium > /dev/null; then
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --virtual-time-budget=30000 \
    --hide-scrollbars --window-size=1100,4500 --screenshot="$OUT/report.png" "file://$(realpath "$OUT/report.html")" 2> /dev/null
fi
