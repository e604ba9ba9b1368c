"""Data-parallel fits from Python: one process per rank with torchrun's variables, as `armed train`."""
import json
import os
import socket
import subprocess
import sys

import numpy as np

import armed

FIT = """
import os, sys
import armed
data = armed.simulate_spiral(clusters=4, points_per_cluster=160, seed=5)
model = armed.ARMEDClassifier(epochs=4, hidden=(8, 8), re_updates="sparse", seed=2, verbose=True)
model.fit(data[["x1", "x2"]], data["y"], groups=data["cluster"])
if os.environ["RANK"] == "0":
    model.save(sys.argv[1])
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_ranks_follow_the_single_process_fit(tmp_path):
    data = armed.simulate_spiral(clusters=4, points_per_cluster=160, seed=5)
    X, y, groups = data[["x1", "x2"]], data["y"], data["cluster"]
    alone = armed.ARMEDClassifier(epochs=4, hidden=(8, 8), re_updates="sparse", seed=2).fit(X, y, groups=groups)

    port = str(free_port())
    ranks = [subprocess.Popen([sys.executable, "-c", FIT, str(tmp_path / "two")], stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "RANK": str(r), "WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port})
             for r in range(2)]
    logs = []
    for rank in ranks:
        _, err = rank.communicate(timeout=240)
        assert rank.returncode == 0, err
        logs.append(err)
    assert "data parallel over 2 ranks" in logs[0], logs[0]
    assert "epoch" not in logs[1], logs[1]  # rank 0 alone reports
    two = armed.load(tmp_path / "two")
    assert len(two.history_) == len(alone.history_) == 4
    for a, b in zip(alone.history_, two.history_):
        assert abs(a["loss"] - b["loss"]) <= 1e-5 * max(1.0, abs(a["loss"]))
    np.testing.assert_allclose(two.predict_proba(X, groups), alone.predict_proba(X, groups), atol=1e-4)
