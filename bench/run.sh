#!/usr/bin/env bash
# armed vs its PyTorch peer (Debian's python3-torch), same model, data, loop and settings, one run.
set -euo pipefail
BUILD=${1:-build}
EPOCHS=${EPOCHS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BUILD/armed" --quiet simulate spiral --seed 48 --out "$tmp/spiral.csv"
"$BUILD/bench/armed_throughput" "$EPOCHS" > "$tmp/armed.jsonl"
/usr/bin/python3 "$(dirname "$0")/peer.py" "$tmp/spiral.csv" "$EPOCHS" "$tmp/armed.jsonl" | sed -n '/^$/,$p'
