#!/usr/bin/env bash
# Scale: one epoch of the armed dense model on 100k, 300k and 1M rows of 20 features in 10,000
# clusters (spirals with 18 confounding features). Prints seconds per epoch, seconds per 100k rows
# (constant when time grows linearly in rows), and peak resident memory of the whole `armed train` run.
# Then, at 300k rows, the training step's cost against the number of clusters (100 to 10,000), with
# the adversary off so that only the random effects depend on the clusters, and dense against
# sparse random-effect updates (where they cross tells --re-updates auto's threshold).
# Last, whole training runs with early stopping on 100k rows in 10,000 clusters, armed against the
# conventional network: the cluster-membership predictor stops with the main networks.
set -euo pipefail
BUILD=${1:-build}
A="$BUILD/armed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# epoch_seconds DATA [train options...] -> "seconds_per_epoch peak_rss_mib"
epoch_seconds() {
  local data=$1; shift
  /usr/bin/time -f "%M" -o "$tmp/rss" "$A" train --data "$data" --target y --cluster cluster --model armed \
    --epochs 1 --seed 1 --out "$tmp/model" "$@" > "$tmp/log" 2>&1
  local rate rows
  rate=$(sed -n 's/^epoch .* \([0-9]*\) samples\/s$/\1/p' "$tmp/log" | head -1)
  rows=$(($(wc -l < "$data") - 1))
  awk -v r="$rows" -v s="$rate" -v m="$(cat "$tmp/rss")" 'BEGIN { printf "%.2f %.0f\n", r / s, m / 1024 }'
}

printf "%-9s %8s %12s %15s %14s\n" rows clusters "s/epoch" "s per 100k rows" "peak RSS MiB"
for per in 10 30 100; do
  "$A" --quiet simulate spiral --clusters 10000 --points-per-cluster $per --confounders 18 --seed 1 --out "$tmp/d.csv"
  read -r secs rss < <(epoch_seconds "$tmp/d.csv")
  rows=$((10000 * per))
  printf "%-9s %8s %12s %15.2f %14s\n" $rows 10000 "$secs" "$(awk -v s="$secs" -v r=$rows 'BEGIN { print s * 100000 / r }')" "$rss"
done

echo
echo "300k rows, --no-adversary: s/epoch by clusters and random-effect updates"
printf "%-9s %10s %10s\n" clusters dense sparse
for k in 100 300 1000 3000 10000; do
  "$A" --quiet simulate spiral --clusters $k --points-per-cluster $((300000 / k)) --confounders 18 --seed 1 --out "$tmp/k.csv"
  read -r dense _ < <(epoch_seconds "$tmp/k.csv" --no-adversary --re-updates dense)
  read -r sparse _ < <(epoch_seconds "$tmp/k.csv" --no-adversary --re-updates sparse)
  printf "%-9s %10s %10s\n" $k "$dense" "$sparse"
done

echo
echo "100k rows, 10,000 clusters, --epochs 200 --validation-fraction 0.1 --patience 5, 1 thread: whole run"
"$A" --quiet simulate spiral --clusters 10000 --points-per-cluster 10 --confounders 18 --seed 1 --out "$tmp/w.csv"
for model in conventional armed; do
  /usr/bin/time -f "%e" -o "$tmp/wall" "$A" --threads 1 train --data "$tmp/w.csv" --target y --cluster cluster --model $model \
    --epochs 200 --validation-fraction 0.1 --patience 5 --seed 1 --out "$tmp/model" > "$tmp/log" 2>&1
  printf "%-13s %8s s  %s epochs\n" $model "$(cat "$tmp/wall")" "$(grep -c '^epoch' "$tmp/log")"
  grep '^cluster-membership' "$tmp/log" || true
done
