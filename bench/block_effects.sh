#!/usr/bin/env bash
# What random effects inside the convolution blocks (--block-effects all) cost per epoch: the
# Fashion-MNIST shirt task's pictures (20 sites x 200), the image benchmark's settings, one thread,
# one epoch per run. cnn, cnn-armed and aec-armed without and with block effects, in rounds that
# alternate them (ROUNDS, default 2); seconds per epoch from each run's epoch line (rows / samples/s)
# and the median over rounds of each run's ratio to the conventional CNN of its round.
set -euo pipefail
BUILD=${1:-build}
ROUNDS=${ROUNDS:-2}
A="$BUILD/armed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$A" --quiet simulate fashion --fashion-target shirt --seed 48 --out "$tmp/shirt"
rows=$(($(wc -l < "$tmp/shirt.csv") - 1))

names=(cnn cnn-armed cnn-armed+blocks aec-armed aec-armed+blocks)
adversary="--adversary-hidden 32,32 --adversary-objective confusion --adversary-sees-target"
options=("--model cnn" "--model cnn-armed $adversary" "--model cnn-armed $adversary --block-effects all"
         "--model aec-armed $adversary --latent 8" "--model aec-armed $adversary --latent 8 --block-effects all")
rate() { sed -n 's/^epoch .* \([0-9]*\) samples\/s$/\1/p' "$1" | tail -1; }

declare -A seconds ratios
for round in $(seq 1 "$ROUNDS"); do
  for i in "${!names[@]}"; do
    # shellcheck disable=SC2086
    "$A" --threads 1 train --data "$tmp/shirt.csv" --images "$tmp/shirt.npy" --target y --cluster site \
      ${options[$i]} --epochs 1 --seed 48 --out "$tmp/model" > "$tmp/log" 2>&1
    seconds[$round,$i]=$(awk -v n="$rows" -v r="$(rate "$tmp/log")" 'BEGIN { printf "%.2f", n / r }')
  done
  for i in "${!names[@]}"; do
    ratios[$round,$i]=$(awk -v a="${seconds[$round,$i]}" -v b="${seconds[$round,0]}" 'BEGIN { printf "%.2f", a / b }')
  done
done

median() { tr ' ' '\n' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf "%-18s %14s %12s\n" model "s per epoch" "x cnn"
for i in "${!names[@]}"; do
  s=""; r=""
  for round in $(seq 1 "$ROUNDS"); do s+="${seconds[$round,$i]} "; r+="${ratios[$round,$i]} "; done
  printf "%-18s %14s %11sx\n" "${names[$i]}" "$(echo ${s% } | median)" "$(echo ${r% } | median)"
done
echo "($rows pictures, 1 thread, medians over $ROUNDS rounds)"
