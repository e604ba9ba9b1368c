#!/usr/bin/env bash
# A binary GLMM where Laplace's approximation is known to be biased: repeated binary outcomes of
# 300 patients (8 visits each) with a random-intercept SD of 4 (bench/glmm_quadrature.R simulates
# them). glmer and armed fit it with Laplace and with nAGQ = 25, armed also by its variational fit;
# printed: each fit's fixed effects and SD, their differences from glmer's fit of the same kind (the
# variational one's from nAGQ = 25), and the run times (glmer from reading the CSV, armed the whole
# `armed train` process).
set -euo pipefail
BUILD=${1:-build}
A="$BUILD/armed"
HERE=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
Rscript "$HERE/glmm_quadrature.R" "$tmp/d.csv" > "$tmp/r.txt"
for fit in 1 25 variational; do
  flags="--nagq $fit"
  [ $fit = variational ] && flags="--likelihood variational"
  /usr/bin/time -f "%e" -o "$tmp/time$fit" "$A" --quiet train --data "$tmp/d.csv" --formula "y ~ visit + treated + (1 | patient)" \
    --family binomial $flags --out "$tmp/m$fit" > /dev/null
  "$A" effects --model "$tmp/m$fit" > "$tmp/e$fit.json"
done
/usr/bin/python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
r = {}
for line in open(f"{tmp}/r.txt"):
    w = line.split()
    r.setdefault(w[1], {})[w[0] if w[0] != "fixed" else w[2]] = float(w[-1])
print(f"{'fit':8} {'estimate':12} {'glmer':>12} {'armed':>12} {'difference':>11}")
sds = {}
for fit, reference, name in (("1", "1", "Laplace"), ("25", "25", "nAGQ 25"), ("variational", "25", "VB")):
    e = json.load(open(f"{tmp}/e{fit}.json"))
    ours = dict(e["fixed_effects"], sd=e["random_effects_sd"]["(Intercept)"])
    sds[fit] = ours["sd"]
    for key in ("(Intercept)", "visit", "treated", "sd"):
        print(f"{name:8} {key:12} {r[reference][key]:12.6f} {ours[key]:12.6f} {ours[key] - r[reference][key]:11.2e}")
    seconds = float(open(f"{tmp}/time{fit}").read().split()[0])
    print(f"{name:8} {'seconds':12} {r[fit]['seconds'] if fit in r else float('nan'):12.2f} {seconds:12.2f}")
print(f"SD against nAGQ 25's: Laplace glmer {r['1']['sd'] / r['25']['sd'] - 1:+.1%}, armed {sds['1'] / sds['25'] - 1:+.1%}; "
      f"armed variational {sds['variational'] / r['25']['sd'] - 1:+.1%}")
PY
