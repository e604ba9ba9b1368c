"""Bad input raises the exception a Python user expects, with the CLI's one-line message."""
import numpy as np
import pandas as pd
import pytest

import armed
from conftest import quick


def test_non_finite_features_name_the_row_and_column(spiral):
    x = spiral[["x1", "x2"]].copy()
    x.iloc[7, 1] = np.nan
    with pytest.raises(ValueError, match=r"X row 8, column 'x2': not a finite number"):
        quick().fit(x, spiral["y"], groups=spiral["cluster"])


def test_shapes_and_classes(spiral):
    x, y, g = spiral[["x1", "x2"]], spiral["y"], spiral["cluster"]
    with pytest.raises(ValueError, match="y: expected 600"):
        quick().fit(x, y[:10], groups=g)
    with pytest.raises(ValueError, match="groups: 'cluster' has shape"):
        quick().fit(x, y, groups=g[:10])
    with pytest.raises(ValueError, match="X: expected rows x features"):
        quick().fit(x["x1"].to_numpy(), y, groups=g)
    with pytest.raises(ValueError, match="a single class"):
        quick().fit(x, np.zeros(len(x)), groups=g)
    with pytest.raises(ValueError, match="groups: armed models need"):
        quick().fit(x, y)
    with pytest.raises(ValueError, match="'x3'"):
        quick().fit(x.assign(x3=["a"] * len(x)), y, groups=g)


def test_unknown_cluster_with_mode_mixed(spiral):
    model = quick().fit(spiral[["x1", "x2"]], spiral["y"], groups=spiral["cluster"])
    with pytest.raises(ValueError, match="'new' was not seen in training; --mode mixed needs known clusters"):
        model.predict(spiral[["x1", "x2"]], pd.Series(["new"] * len(spiral), name="cluster"), mode="mixed")
    with pytest.raises(ValueError, match="features"):
        model.predict(spiral[["x2", "x1"]], spiral["cluster"])


def test_options_and_files():
    with pytest.raises(ValueError, match="--batch-size: must be at least 1"):
        quick(batch_size=0).fit(np.zeros((4, 1)), [0, 1, 0, 1], groups=["a", "a", "b", "b"])
    with pytest.raises(TypeError, match="unknown parameter 'epochz'"):
        armed.ARMEDClassifier(epochz=3)
    with pytest.raises(FileNotFoundError):
        armed.load("/nonexistent/model")
