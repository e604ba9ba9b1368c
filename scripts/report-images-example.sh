#!/usr/bin/env bash
# The image reports in docs/images.md ("Reports of image models"): on `armed simulate fashion` (the shirt
# task, 20 sites, 6 of them stamping a marker), cnn-armed with block random effects reported beside the
# conventional CNN, and aec-armed, each on held-out pictures of the sites it trained on. Writes OUT/cnn.html
# and OUT/aec.html and, with Chromium, a screenshot of each new section in docs/. Needs dataset-fashion-mnist.
set -euo pipefail
A=${1:-build/armed}
OUT=${OUT:-out/report-images}
mkdir -p "$OUT"
"$A" --quiet simulate fashion --fashion-target shirt --seed 48 --out "$OUT/fashion"
# A fifth of every site's pictures held out: the rows of the CSV and of the .npy split alike.
/usr/bin/python3 - "$OUT/fashion" <<'PY'
import sys
import numpy as np
import pandas as pd
prefix = sys.argv[1]
table, images = pd.read_csv(prefix + ".csv"), np.load(prefix + ".npy")
test = np.zeros(len(table), dtype=bool)
for _, rows in table.groupby("site").indices.items():
    test[rows[np.random.default_rng(48).permutation(len(rows))[: len(rows) // 5]]] = True
for name, rows in (("train", ~test), ("test", test)):
    table[rows].to_csv(f"{prefix}.{name}.csv", index=False)
    np.save(f"{prefix}.{name}.npy", images[rows])
PY
train=(--data "$OUT/fashion.train.csv" --images "$OUT/fashion.train.npy" --target y --cluster site --seed 48)
test=(--data "$OUT/fashion.test.csv" --images "$OUT/fashion.test.npy")
"$A" --quiet train "${train[@]}" --model cnn --out "$OUT/cnn"
"$A" --quiet train "${train[@]}" --model cnn-armed --block-effects all --out "$OUT/cnn-armed"
"$A" --quiet train "${train[@]}" --model aec-armed --block-effects all --out "$OUT/aec-armed"
"$A" report --model "$OUT/cnn-armed" "${test[@]}" --compare "$OUT/cnn" --out "$OUT/cnn.html"
"$A" report --model "$OUT/aec-armed" "${test[@]}" --out "$OUT/aec.html"
ls -l "$OUT/cnn.html" "$OUT/aec.html"
# A screenshot of each new section alone (docs/images-*.png): the page with the other sections hidden,
# its blank bottom trimmed, in 256 colours.
command -v chromium > /dev/null || { echo "no chromium: no screenshots"; exit 0; }
scripts/setup.sh python3-pil
shot() {  # PAGE SECTION-TITLE NAME
  /usr/bin/python3 - "$OUT/$1.html" "$2" "$OUT/$3.html" <<'PY'
import re, sys
page, title, out = sys.argv[1:]
html = open(page).read()
n = re.findall(r"<section>\n<h2>(.*?)</h2>", html).index(title) + 1
style = f"<style>body>h1,body>table,body>p,section{{display:none}}section:nth-of-type({n}){{display:block}}</style>"
open(out, "w").write(html.replace("</head><body data-status", style + "</head><body data-status", 1))
PY
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --virtual-time-budget=30000 \
    --hide-scrollbars --window-size=1000,3000 --screenshot="$OUT/$3.png" "file://$(realpath "$OUT/$3.html")" 2> /dev/null
  /usr/bin/python3 - "$OUT/$3.png" "docs/$3.png" <<'PY'
import sys
from PIL import Image, ImageChops
shot = Image.open(sys.argv[1]).convert("RGB")
box = ImageChops.difference(shot, Image.new("RGB", shot.size, "white")).getbbox()
shot.crop((0, 0, shot.width, min(shot.height, box[3] + 16))).quantize(256).save(sys.argv[2], optimize=True)
PY
}
shot cnn "Where the network looks" report-saliency
shot cnn "Block random effects" report-block-effects
shot aec "The sites' styles" report-styles
shot aec "The latent map" report-latent
ls -l docs/report-saliency.png docs/report-block-effects.png docs/report-styles.png docs/report-latent.png
