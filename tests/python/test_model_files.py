"""One model format: the CLI reads what Python saves and the other way round."""
import os
import subprocess

import numpy as np
import pandas as pd

import armed
from conftest import quick

CLI = os.environ["ARMED_CLI"]


def test_python_model_predicts_in_the_cli(tmp_path, spiral):
    model = quick().fit(spiral[["x1", "x2"]], spiral["y"], groups=spiral["cluster"])
    model.save(tmp_path / "m")
    spiral.to_csv(tmp_path / "s.csv", index=False)
    subprocess.run([CLI, "--quiet", "predict", "--model", str(tmp_path / "m"), "--data", str(tmp_path / "s.csv"),
                    "--out", str(tmp_path / "p.csv")], check=True)
    cli = pd.read_csv(tmp_path / "p.csv")["prediction"].to_numpy()
    np.testing.assert_allclose(cli, model.predict_proba(spiral[["x1", "x2"]], spiral["cluster"])[:, 1], atol=1e-8)


def test_cli_model_loads_in_python(tmp_path, spiral):
    spiral.to_csv(tmp_path / "s.csv", index=False)
    subprocess.run([CLI, "--quiet", "train", "--data", str(tmp_path / "s.csv"), "--target", "y", "--cluster", "cluster",
                    "--model", "armed", "--epochs", "3", "--out", str(tmp_path / "m")], check=True)
    subprocess.run([CLI, "--quiet", "predict", "--model", str(tmp_path / "m"), "--data", str(tmp_path / "s.csv"),
                    "--out", str(tmp_path / "p.csv")], check=True)
    model = armed.load(tmp_path / "m")
    assert isinstance(model, armed.ARMEDClassifier) and model.epochs == 3 and model.model == "armed"
    np.testing.assert_allclose(model.predict_proba(spiral[["x1", "x2", "cluster"]])[:, 1],
                               pd.read_csv(tmp_path / "p.csv")["prediction"].to_numpy(), atol=1e-8)


def test_report_is_written(tmp_path, spiral):
    model = quick().fit(spiral[["x1", "x2"]], spiral["y"], groups=spiral["cluster"])
    armed.report(model, spiral[["x1", "x2"]], spiral["y"], spiral["cluster"], tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text().startswith("<!doctype html>")
