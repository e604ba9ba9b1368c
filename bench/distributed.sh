#!/usr/bin/env bash
# Data-parallel scaling of `armed train`: one process against two (one thread each) on 1M rows of
# spirals with 18 confounding features in 10,000 clusters, at 512 rows per rank and step
# (--batch-size 512 alone, --batch-size 1024 --nproc 2: the same work per rank and step).
# Samples/s from each run's epoch line; PAIRS pairs alternate; the median of the paired ratios.
# First, what one collective costs between two local ranks (bench/collectives.cpp).
# Then the bytes a step sends for the spiral demo, the 1M-row and an image model (each run's
# "data parallel" line), and the scaling they predict on N machines of 10 Gbit/s from the
# measured per-step compute time:
#   step(N) = compute + overhead + collectives,
#   collectives = 2(N-1)/N * allreduce bytes / B + (N-1) * gathered bytes per rank / B
#                 + (2 all-reduces * 2(N-1) + 1 all-gather * (N-1)) * latency   (ring algorithms)
#   speed-up(N) = N * compute / step(N)
# with B = 10 Gbit/s, a message latency of 50 us, and `overhead` the measured two-process step
# time on loopback beyond one process's (Gloo's software cost per collective and the ranks'
# waiting for each other), assumed not to grow with N: an optimistic assumption for 64 machines,
# whose slowest rank sets every step's pace.
set -euo pipefail
BUILD=${1:-build}
PAIRS=${PAIRS:-2}
A="$BUILD/armed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "one collective between 2 local ranks"
port=$((20000 + RANDOM % 20000))
for r in 0 1; do RANK=$r WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$BUILD/bench/armed_collectives" & done
wait
echo

"$A" --quiet simulate spiral --clusters 10000 --points-per-cluster 100 --confounders 18 --seed 1 --out "$tmp/m.csv"

# rate LOG -> samples/s of the epoch line
rate() { sed -n 's/^epoch .* \([0-9]*\) samples\/s$/\1/p' "$1" | head -1; }
# sent LOG -> "allreduce_kib gathered_kib" from the "data parallel" line
sent() {
  sed -n 's/^data parallel over .* all-reduce of \([0-9.]*\) KiB.*/\1/p' "$1" | head -1 | tr '\n' ' '
  local g
  g=$(sed -n 's/.*all-gather of \([0-9.]*\) KiB.*/\1/p' "$1" | head -1)
  echo "${g:-0}"
}
run() {  # run LOG [train options...]
  local log=$1; shift
  "$A" --threads 1 train --data "$tmp/m.csv" --target y --cluster cluster --model armed --epochs 1 --seed 1 \
    --out "$tmp/model" "$@" > "$log" 2>&1
}

echo "1M rows, 10,000 clusters, armed dense, 1 thread per process, 512 rows per rank and step, one epoch"
printf "%-5s %16s %16s %8s\n" pair "1 process" "2 processes" ratio
ratios=(); ones=(); twos=()
for p in $(seq 1 "$PAIRS"); do
  run "$tmp/one.log" --batch-size 512
  run "$tmp/two.log" --batch-size 1024 --nproc 2
  one=$(rate "$tmp/one.log")
  two=$(rate "$tmp/two.log")
  r=$(awk -v a="$one" -v b="$two" 'BEGIN { printf "%.2f", b / a }')
  ratios+=("$r")
  printf "%-5s %12s s/s %12s s/s %7sx\n" "$p" "$one" "$two" "$r"
  ones+=("$one")
  twos+=("$two")
done
median() { printf "%s\n" "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
one=$(median "${ones[@]}")
two=$(median "${twos[@]}")
echo "median ratio $(median "${ratios[@]}")x (target 1.7x)"
read -r big_reduce big_gather < <(sent "$tmp/two.log")

# The spiral demo's data and an image model, one epoch on two ranks, for their data-parallel lines.
"$A" --quiet simulate spiral --seed 48 --out "$tmp/s.csv"
"$A" --threads 1 train --data "$tmp/s.csv" --target y --cluster cluster --model armed --epochs 1 --seed 1 \
  --nproc 2 --out "$tmp/s" > "$tmp/s.log" 2>&1
read -r spiral_reduce spiral_gather < <(sent "$tmp/s.log")
"$A" --quiet simulate images --seed 1 --out "$tmp/imgs"
"$A" --threads 1 train --data "$tmp/imgs.csv" --images "$tmp/imgs.npy" --target y --cluster cluster --model cnn-armed \
  --epochs 1 --seed 1 --nproc 2 --out "$tmp/i" > "$tmp/i.log" 2>&1
read -r image_reduce image_gather < <(sent "$tmp/i.log")

echo
echo "bytes per step (KiB): all-reduced, and gathered from each rank"
printf "%-34s %10s %10s\n" model all-reduce all-gather
printf "%-34s %10s %10s\n" "spiral demo (armed, defaults)" "$spiral_reduce" "$spiral_gather"
printf "%-34s %10s %10s\n" "1M rows, 10,000 clusters (armed)" "$big_reduce" "$big_gather"
printf "%-34s %10s %10s\n" "images 32x32 (cnn-armed, defaults)" "$image_reduce" "$image_gather"

echo
echo "predicted for the 1M-row model on 10 Gbit/s, 512 rows per rank and step"
awk -v one="$one" -v two="$two" -v reduce="$big_reduce" -v gather="$big_gather" 'BEGIN {
  compute = 512 / one; overhead = 1024 / two - compute; bandwidth = 10e9 / 8; latency = 50e-6
  printf "measured: compute %.1f ms per step, two-process overhead %.1f ms per step\n", compute * 1e3, overhead * 1e3
  printf "%-9s %14s %10s %12s\n", "machines", "step ms", "speed-up", "efficiency"
  split("2 8 64", ns, " ")
  for (i = 1; i <= 3; ++i) {
    n = ns[i]
    wire = 2 * (n - 1) / n * reduce * 1024 / bandwidth + (n - 1) * gather * 1024 / bandwidth
    wait = (2 * 2 * (n - 1) + (n - 1)) * latency
    step = compute + overhead + wire + wait
    printf "%-9d %14.1f %9.1fx %11.0f%%\n", n, step * 1e3, n * compute / step, 100 * compute / step
  }
}'
