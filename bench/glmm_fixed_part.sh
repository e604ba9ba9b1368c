#!/usr/bin/env bash
# Why a binary GLMM's variance component comes out low beside an imperfect fixed part (the
# logistic model's non-collapsibility; a Gaussian one's does not): the GLMM grid's cell q = 100,
# sigma2 = 10 (`armed simulate glmm`, seed 48), fitted by the exact GLMM `y ~ f + (1 | cluster)`
# beside the true f, and beside f blurred by N(0, 1) noise. Printed: the drawn variance and each
# fit's estimate.
set -euo pipefail
BUILD=${1:-build}
A="$BUILD/armed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$A" --quiet simulate glmm --rows 100000 --clusters 100 --variances 10 --seed 48 --out "$tmp/s.csv"
/usr/bin/python3 - "$tmp" <<'PY'
import json, sys
import numpy as np
tmp = sys.argv[1]
d = np.genfromtxt(f"{tmp}/s.csv", delimiter=",", names=True, dtype=None, encoding=None)
x = np.stack([d[f"x{j}"] for j in range(1, 11)], 1)
e = 1 + x.sum(1)
f = e * np.cos(e) + 2 * x[:, 0] * x[:, 1]  # the simulation's fixed effect
blurred = f + np.random.default_rng(0).normal(0, 1, len(f))
with open(f"{tmp}/f.csv", "w") as out:
    out.write("f,blurred,y,cluster\n")
    for i in range(len(f)):
        out.write(f"{f[i]:.6f},{blurred[i]:.6f},{d['y'][i]},{d['cluster'][i]}\n")
print(f"drawn variance {np.var(json.load(open(f'{tmp}/s.truth.json'))['factors'][0]['effects']):.4f}")
PY
for covariate in f blurred; do
  "$A" --quiet train --data "$tmp/f.csv" --formula "y ~ $covariate + (1 | cluster)" --family binomial --out "$tmp/$covariate"
  "$A" effects --model "$tmp/$covariate" |
    /usr/bin/python3 -c "import json, sys; print(f'beside {sys.argv[1]:8} estimate {json.load(sys.stdin)[\"random_effects_sd\"][\"(Intercept)\"] ** 2:.4f}')" "$covariate"
done
