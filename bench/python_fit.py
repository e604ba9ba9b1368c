"""Fitting from Python against the CLI on the spiral benchmark's training (10 clusters x 1000
points, the armed model, 100 epochs of batch 32, seed 48), median of REPEATS runs each:
- the epochs alone, from each side's samples per second (the training loop);
- the whole fit: Python's fit() by the clock against the CLI's whole `armed train` process
  (which also starts, reads the CSV and writes the model).
Prints both sides and Python / CLI (the target: at most 1.05)."""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import armed

build, repeats = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3
cli = os.path.join(build, "armed")
data = armed.simulate_spiral(seed=48)
X, y, groups = data[["x1", "x2"]], data["y"], data["cluster"]
rows = len(data)

with tempfile.TemporaryDirectory() as tmp:
    csv = os.path.join(tmp, "spiral.csv")
    data.to_csv(csv, index=False)
    cli_epochs, cli_whole, py_epochs, py_whole = [], [], [], []
    for _ in range(repeats):
        start = time.perf_counter()
        run = subprocess.run([cli, "train", "--data", csv, "--target", "y", "--cluster", "cluster", "--model", "armed",
                              "--epochs", "100", "--batch-size", "32", "--seed", "48", "--out", os.path.join(tmp, "m")],
                             capture_output=True, text=True, check=True)
        cli_whole.append(time.perf_counter() - start)
        cli_epochs.append(sum(rows / float(r) for r in re.findall(r"(\d+) samples/s", run.stderr + run.stdout)))
        start = time.perf_counter()
        model = armed.ARMEDClassifier(model="armed", epochs=100, batch_size=32, seed=48).fit(X, y, groups=groups)
        py_whole.append(time.perf_counter() - start)
        py_epochs.append(sum(rows / e["samples_per_second"] for e in model.history_))

for what, c, p in (("epochs", cli_epochs, py_epochs), ("whole fit", cli_whole, py_whole)):
    c, p = statistics.median(c), statistics.median(p)
    print(f"spiral training, armed, 100 epochs, {what} (median of {repeats}): CLI {c:.2f} s, Python {p:.2f} s, Python / CLI {p / c:.3f}")
