"""The library's simulators as DataFrames: features, target and grouping factor in columns. Their
parameters and defaults are the C++ options' (as `armed simulate spiral` and `armed simulate glmm`)."""
import pandas as pd

from . import _armed


def _frame(data):
    frame = pd.DataFrame(data["x"], columns=data["feature_names"])
    frame[data["target_name"]] = data["y"]
    for name, labels in data["factors"]:
        frame[name] = labels
    return frame


def simulate_spiral(**options):
    """The paper's spirals: columns x1, x2, y, cluster. Options: clusters, points_per_cluster,
    radius_sd, noise, seed."""
    return _frame(_armed.simulate_spiral(**options))


def simulate_glmm(**options):
    """LMMNN's simulation: columns x1..xp, y, cluster. Options: rows, features, clusters,
    variance, task (classification, regression, multiclass), seed."""
    return _frame(_armed.simulate_glmm(**options))
