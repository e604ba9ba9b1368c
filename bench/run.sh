#!/usr/bin/env bash
# armed vs its PyTorch peer (Debian's python3-torch), same model, data, loop and settings, one run.
set -euo pipefail
BUILD=${1:-build}
SECONDS_PER_SETTING=${SECONDS_PER_SETTING:-2}  # training time per setting and side, in whole epochs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BUILD/armed" --quiet simulate spiral --seed 48 --out "$tmp/spiral.csv"
"$BUILD/bench/armed_throughput" "$SECONDS_PER_SETTING" > "$tmp/armed.jsonl"
/usr/bin/python3 "$(dirname "$0")/peer.py" "$tmp/spiral.csv" "$SECONDS_PER_SETTING" "$tmp/armed.jsonl" | sed -n '/^$/,$p'
