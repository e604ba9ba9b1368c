#!/usr/bin/env bash
# Exact linear mixed models against lme4: a crossed design shaped as lme4's InstEval (73,421
# ratings, 2,972 students x 1,128 lecturers; simulated), fitted by lmer and by armed from the same
# CSV, ML and REML. lmer is timed inside R from reading the CSV to the fit (R's start-up left
# out); armed is the whole `armed train` process (start-up, reading, fit, conditional SDs, model
# file), and that less armed's start-up (the median wall time of `armed --help`: loading LibTorch),
# as R's is left out. Medians of 3 runs; then the largest relative difference of the estimates
# (fixed effects, SDs, log-likelihood). Last, armed's peak memory at 10x the levels on the same rows: it follows
# the nonzeros of the sparse factor, not the levels squared.
set -euo pipefail
BUILD=${1:-build}
A="$BUILD/armed"
HERE=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
FORMULA="y ~ x1 + x2 + x3 + (1 | cluster1) + (1 | cluster2)"

simulate() {  # simulate OUT STUDENTS LECTURERS
  "$A" --quiet simulate glmm --task regression --rows 73421 --features 3 --clusters "$2,$3" --variances 0.1,0.27 --noise 1.2 \
    --seed 1 --out "$1"
}

# armed_run DATA METHOD -> "seconds peak_rss_mib", model in $tmp/m
armed_run() {
  local flag=""
  [ "$2" = REML ] && flag="--reml"
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$A" --quiet train --data "$1" --formula "$FORMULA" --task regression $flag \
    --out "$tmp/m" > /dev/null
  awk '{ printf "%s %.0f\n", $1, $2 / 1024 }' "$tmp/time"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

simulate "$tmp/d.csv" 2972 1128
startup=$(for i in 1 2 3; do /usr/bin/time -f "%e" -o "$tmp/time" "$A" --help > /dev/null; cat "$tmp/time"; done | median)
echo "InstEval-shaped crossed design: 73,421 rows, 2,972 x 1,128 levels, 3 covariates; armed's start-up $startup s"
printf "%-6s %8s %9s %7s %21s %7s %15s\n" fit "lmer s" "armed s" ratio "armed s - start-up" ratio "max rel. diff"
for method in ML REML; do
  Rscript "$HERE/lmm.R" "$tmp/d.csv" $method 3 > "$tmp/r.txt"
  r_seconds=$(awk '$1 == "seconds" { print $2 }' "$tmp/r.txt")
  armed_seconds=$(for i in 1 2 3; do armed_run "$tmp/d.csv" $method | cut -d' ' -f1; done | median)
  "$A" effects --model "$tmp/m" > "$tmp/e.json"
  diff=$(/usr/bin/python3 - "$tmp/r.txt" "$tmp/e.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[2]))
sds = {f["name"]: f["random_effects_sd"]["(Intercept)"] for f in e["factors"]}
sds["Residual"] = e["residual_sd"]
worst = 0.0
for line in open(sys.argv[1]):
    w = line.split()
    if w[0] == "fixed": ours, theirs = e["fixed_effects"][w[1]], float(w[2])
    elif w[0] == "sd": ours, theirs = sds[w[1]], float(w[2])
    elif w[0] == "loglik": ours, theirs = e["linear_mixed_model"]["log_likelihood"], float(w[1])
    else: continue
    worst = max(worst, abs(ours - theirs) / abs(theirs))
print(f"{worst:.1e}")
PY
)
  printf "%-6s %8s %9s %7s %21s %7s %15s\n" $method "$r_seconds" "$armed_seconds" "$(awk -v r="$r_seconds" -v a="$armed_seconds" 'BEGIN { printf "%.2f", r / a }')" \
    "$(awk -v a="$armed_seconds" -v s="$startup" 'BEGIN { printf "%.2f", a - s }')" \
    "$(awk -v r="$r_seconds" -v a="$armed_seconds" -v s="$startup" 'BEGIN { printf "%.2f", r / (a - s) }')" "$diff"
done

echo
for threads in 1 2; do
  OMP_NUM_THREADS=$threads "$BUILD/bench/armed_factorization"
done

echo
echo "armed's memory by levels (same 73,421 rows, ML)"
printf "%-16s %12s %14s %16s\n" levels "nnz(L)" "peak RSS MiB" "dense q x q MiB"
for scale in 1 10; do
  simulate "$tmp/s.csv" $((2972 * scale)) $((1128 * scale))
  read -r _ rss < <(armed_run "$tmp/s.csv" ML)
  nnz=$("$A" effects --model "$tmp/m" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["linear_mixed_model"]["factor_nonzeros"])')
  q=$((4100 * scale))
  printf "%-16s %12s %14s %16s\n" "$((2972 * scale)) x $((1128 * scale))" "$nnz" "$rss" "$((q * q * 8 / 1048576))"
done
