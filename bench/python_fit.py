"""Fitting from Python against the CLI and against PyTorch on the spiral benchmark's training
(10 clusters x 1000 points, the armed model, 100 epochs of batch 32, seed 48, the default
threads), REPEATS rounds of the three sides one after the other:
- the CLI's `armed train` and Python's ARMEDClassifier.fit: the epochs alone (from each epoch's
  samples per second) and the whole fit (Python's fit() by the clock against the whole `armed
  train` process, which also starts, reads the CSV and writes the model). Target: at most 1.05.
- bench/peer.py's PyTorch model (the same networks, losses and loop as bench/run.sh) trained in
  this process for the same epochs, each followed, as armed's are, by a pass over the training
  rows in evaluation mode: the PyTorch comparison of docs/performance.md, made from Python.
Prints medians over the rounds and the median of each round's ratio."""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import torch

import armed

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer  # noqa: E402

build, repeats = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3
EPOCHS, BATCH, SEED = 100, 32, 48
cli = os.path.join(build, "armed")
data = armed.simulate_spiral(seed=SEED)
X, y, groups = data[["x1", "x2"]], data["y"], data["cluster"]
rows = len(data)


def pytorch_epochs():
    x = torch.tensor(X.to_numpy(dtype="float32"))
    x = (x - x.mean(0)) / x.std(0, unbiased=False)
    target, ids = torch.tensor(y.to_numpy(dtype="float32")), torch.tensor(groups.to_numpy(dtype="int64"))
    torch.manual_seed(SEED)
    net = peer.Armed(2, 10, True)
    main_opt = torch.optim.Adam([p for name, p in net.named_parameters() if not name.startswith("adversary.")], lr=1e-3)
    adv_opt = torch.optim.Adam(net.adversary.parameters(), lr=1e-3)
    start = time.perf_counter()
    for _ in range(EPOCHS):
        net.train()
        peer.train_epoch(net, main_opt, adv_opt, x, target, ids, BATCH)
        net.eval()
        with torch.no_grad():
            ((net(x, ids)[0] > 0).float() == target).float().mean().item()
    return time.perf_counter() - start


sides = {"CLI epochs": [], "Python epochs": [], "CLI whole": [], "Python whole": [], "PyTorch epochs": []}
with tempfile.TemporaryDirectory() as tmp:
    csv = os.path.join(tmp, "spiral.csv")
    data.to_csv(csv, index=False)
    for _ in range(repeats):
        start = time.perf_counter()
        run = subprocess.run([cli, "train", "--data", csv, "--target", "y", "--cluster", "cluster", "--model", "armed",
                              "--epochs", str(EPOCHS), "--batch-size", str(BATCH), "--seed", str(SEED), "--out", os.path.join(tmp, "m")],
                             capture_output=True, text=True, check=True)
        sides["CLI whole"].append(time.perf_counter() - start)
        sides["CLI epochs"].append(sum(rows / float(r) for r in re.findall(r"(\d+) samples/s", run.stderr + run.stdout)))
        start = time.perf_counter()
        model = armed.ARMEDClassifier(model="armed", epochs=EPOCHS, batch_size=BATCH, seed=SEED).fit(X, y, groups=groups)
        sides["Python whole"].append(time.perf_counter() - start)
        sides["Python epochs"].append(sum(rows / e["samples_per_second"] for e in model.history_))
        sides["PyTorch epochs"].append(pytorch_epochs())

print(f"spiral training, armed, {EPOCHS} epochs of batch {BATCH}, {torch.get_num_threads()} threads, {repeats} rounds (medians):")
for what, ours, theirs in (("epochs", "Python epochs", "CLI epochs"), ("whole fit", "Python whole", "CLI whole"),
                           ("epochs", "PyTorch epochs", "Python epochs")):
    ratios = [a / b for a, b in zip(sides[ours], sides[theirs])]
    print(f"  {what}: {ours.split()[0]} {statistics.median(sides[ours]):.2f} s, {theirs.split()[0]} {statistics.median(sides[theirs]):.2f} s,"
          f" {ours.split()[0]} / {theirs.split()[0]} {statistics.median(ratios):.3f} (rounds {min(ratios):.3f}-{max(ratios):.3f})")
