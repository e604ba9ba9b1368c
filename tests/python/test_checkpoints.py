"""Checkpoints from Python: a fit killed mid-run resumes to the uninterrupted fit's model, bit for bit."""
import logging
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import armed

FIT = """
import sys
import armed
data = armed.simulate_spiral(seed=4)
model = armed.ARMEDClassifier(epochs=12, seed=9, verbose=True)
model.fit(data[["x1", "x2"]], data["y"], groups=data["cluster"], checkpoint_dir=sys.argv[1], checkpoint_every=2)
"""


def test_a_killed_fit_resumes_to_the_uninterrupted_model(tmp_path, caplog):
    data = armed.simulate_spiral(seed=4)
    X, y, groups = data[["x1", "x2"]], data["y"], data["cluster"]
    whole = armed.ARMEDClassifier(epochs=12, seed=9).fit(X, y, groups=groups)

    run = subprocess.Popen([sys.executable, "-c", FIT, str(tmp_path)], stderr=subprocess.PIPE, text=True, env=os.environ)
    lines = []
    for line in run.stderr:
        lines.append(line)
        if line.startswith("epoch   5/"):
            run.send_signal(signal.SIGKILL)
            break
    assert run.wait() == -signal.SIGKILL, "the fit ended before it was killed:\n" + "".join(lines)
    assert os.path.exists(tmp_path / "checkpoint.json")

    with pytest.raises(ValueError, match="holds a checkpoint of an earlier fit"):
        armed.ARMEDClassifier(epochs=12, seed=9).fit(X, y, groups=groups, checkpoint_dir=tmp_path)
    with pytest.raises(armed.ArmedError, match="resume with the run's options"):
        armed.ARMEDClassifier(epochs=13, seed=9).fit(X, y, groups=groups, checkpoint_dir=tmp_path, resume=True)
    with caplog.at_level(logging.INFO, logger="armed"):
        resumed = armed.ARMEDClassifier(epochs=12, seed=9).fit(X, y, groups=groups, checkpoint_dir=tmp_path, resume=True)
    assert "resuming from" in caplog.text
    np.testing.assert_array_equal(resumed.predict_proba(X, groups), whole.predict_proba(X, groups))
    assert [e["loss"] for e in resumed.history_] == [e["loss"] for e in whole.history_]


def test_resuming_needs_the_runs_parameters_and_a_directory(tmp_path):
    data = armed.simulate_spiral(clusters=4, points_per_cluster=100, seed=4)
    X, y, groups = data[["x1", "x2"]], data["y"], data["cluster"]
    with pytest.raises(ValueError, match="give checkpoint_dir"):
        armed.ARMEDClassifier(epochs=2).fit(X, y, groups=groups, resume=True)
    with pytest.raises(armed.ArmedError, match="checkpoint"):
        armed.ARMEDClassifier(epochs=2).fit(X, y, groups=groups, checkpoint_dir=tmp_path / "none", resume=True)
