"""Text feature columns: coded as the CLI codes a CSV file's (dummies against the first level), so
Python and the CLI read each other's models."""
import os
import subprocess

import numpy as np
import pandas as pd
import pytest

import armed
from conftest import quick

CLI = os.environ["ARMED_CLI"]


@pytest.fixture()
def scanners(spiral):
    data = spiral.copy()
    data["scanner"] = np.random.default_rng(0).choice(["GE", "Philips", "Siemens"], len(data))
    return data


def test_a_text_column_is_the_dummies_of_its_levels(scanners):
    X, y, groups = scanners[["x1", "x2", "scanner"]], scanners["y"], scanners["cluster"]
    model = quick().fit(X, y, groups=groups)
    assert list(model.feature_names_in_) == ["x1", "x2", "scanner"]
    dummies = scanners[["x1", "x2"]].assign(scannerPhilips=(scanners["scanner"] == "Philips").astype(float),
                                            scannerSiemens=(scanners["scanner"] == "Siemens").astype(float))
    coded = quick().fit(dummies, y, groups=groups)
    np.testing.assert_array_equal(model.predict_proba(X, groups), coded.predict_proba(dummies, groups))

    unseen_level = X.copy()
    unseen_level.loc[3, "scanner"] = "Canon"
    with pytest.raises(armed.ArmedError, match="X line 4, column 'scanner': level 'Canon' was not seen in training"):
        model.predict_proba(unseen_level, groups)
    with pytest.raises(ValueError, match="codes the text columns scanner"):
        model.predict_proba(X[["x1", "x2"]].to_numpy(), groups)
    missing = X.copy()
    missing.loc[5, "scanner"] = None
    with pytest.raises(ValueError, match="column 'scanner', row 6: missing value"):
        quick().fit(missing, y, groups=groups)


def test_text_columns_travel_between_python_and_the_cli(tmp_path, scanners):
    X, groups = scanners[["x1", "x2", "scanner"]], scanners["cluster"]
    scanners.to_csv(tmp_path / "s.csv", index=False)
    model = quick().fit(X, scanners["y"], groups=groups)
    model.save(tmp_path / "python")
    subprocess.run([CLI, "--quiet", "predict", "--model", str(tmp_path / "python"), "--data", str(tmp_path / "s.csv"),
                    "--out", str(tmp_path / "p.csv")], check=True)
    np.testing.assert_allclose(pd.read_csv(tmp_path / "p.csv")["prediction"], model.predict_proba(X, groups)[:, 1], atol=1e-8)

    subprocess.run([CLI, "--quiet", "train", "--data", str(tmp_path / "s.csv"), "--target", "y", "--cluster", "cluster",
                    "--categorical", "scanner", "--model", "armed", "--epochs", "3", "--out", str(tmp_path / "cli")], check=True)
    subprocess.run([CLI, "--quiet", "predict", "--model", str(tmp_path / "cli"), "--data", str(tmp_path / "s.csv"),
                    "--out", str(tmp_path / "q.csv")], check=True)
    loaded = armed.load(tmp_path / "cli")
    assert list(loaded.feature_names_in_) == ["x1", "x2", "scanner"]
    np.testing.assert_allclose(loaded.predict_proba(X, groups)[:, 1], pd.read_csv(tmp_path / "q.csv")["prediction"], atol=1e-8)
