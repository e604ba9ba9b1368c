import numpy as np
import pandas as pd

import armed
from conftest import quick


def test_fit_predict_on_the_spiral(spiral):
    model = quick(epochs=20).fit(spiral[["x1", "x2"]], spiral["y"], groups=spiral["cluster"])
    proba = model.predict_proba(spiral[["x1", "x2"]], spiral["cluster"])
    assert proba.shape == (len(spiral), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert set(model.predict(spiral[["x1", "x2"]], spiral["cluster"])) <= {0.0, 1.0}
    assert model.score(spiral[["x1", "x2"]], spiral["y"], spiral["cluster"]) > 0.6
    assert model.n_clusters_ == 4
    assert list(model.feature_names_in_) == ["x1", "x2"]
    assert model.factor_names_ == ["cluster"]
    assert len(model.history_) == 20 and "loss" in model.history_[0]
    assert set(model.effects_.cluster) == {"0", "1", "2", "3"}
    assert set(model.effects_.columns) == {"factor", "cluster", "effect", "mean", "sd"}
    assert (model.effects_.sd > 0).all()


def test_dataframe_and_numpy_paths_agree(spiral):
    frame = spiral[["x1", "x2", "cluster"]]
    a = quick().fit(frame, spiral["y"], groups="cluster")
    b = quick().fit(spiral[["x1", "x2"]].to_numpy(np.float64), spiral["y"].to_numpy(), groups=spiral["cluster"].to_numpy())
    pa = a.predict_proba(frame)  # the grouping column comes from the frame
    pb = b.predict_proba(spiral[["x1", "x2"]].to_numpy(), spiral["cluster"].to_numpy())
    np.testing.assert_array_equal(pa, pb)


def test_modes_differ_and_unseen_clusters_get_the_fixed_or_inferred_prediction(spiral):
    model = quick(epochs=20).fit(spiral[["x1", "x2"]], spiral["y"], groups=spiral["cluster"])
    x = spiral[["x1", "x2"]]
    mixed = model.predict_proba(x, spiral["cluster"], mode="mixed")
    fixed = model.predict_proba(x, spiral["cluster"], mode="fixed")
    assert not np.allclose(mixed, fixed)
    new = model.predict_proba(x, pd.Series(["never-seen"] * len(x), name="cluster"))
    served = [model.predict_proba(x, mode=mode) for mode in ("fixed", "inferred")]
    assert any(np.array_equal(new, p) for p in served)


def test_text_classes_and_multiclass(spiral):
    y = np.where(spiral["y"] > 0, "yes", "no")
    model = quick().fit(spiral[["x1", "x2"]], y, groups=spiral["cluster"])
    assert list(model.classes_) == ["no", "yes"]
    assert set(model.predict(spiral[["x1", "x2"]], spiral["cluster"])) <= {"no", "yes"}
    three = np.digitize(spiral["x1"], [-0.3, 0.3])
    model = quick(random_slopes="none").fit(spiral[["x1", "x2"]], three, groups=spiral["cluster"])
    assert list(model.classes_) == [0, 1, 2]
    assert model.predict_proba(spiral[["x1", "x2"]], spiral["cluster"]).shape == (len(spiral), 3)


def test_regressor_with_intervals():
    data = armed.simulate_glmm(rows=2000, features=3, clusters=20, variance=1.0, task="regression", seed=5)
    x = data[["x1", "x2", "x3"]]
    model = quick(armed.ARMEDRegressor, epochs=30, hidden=(32, 16), re_prior="learned", random_slopes="none").fit(x, data["y"], groups=data["cluster"])
    value, lower, upper = model.predict(x, data["cluster"], interval=0.95)
    assert np.all(lower < value) and np.all(value < upper)
    covered = np.mean((lower <= data["y"]) & (data["y"] <= upper))
    assert 0.9 < covered < 0.99
    assert model.score(x, data["y"], data["cluster"]) > 0.5
    assert model.random_effects_sd_["cluster"]["(Intercept)"] > 0.5


def test_ctrl_c_interrupts_a_fit(spiral):
    import os
    import signal
    import threading
    import time

    import pytest

    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        quick(epochs=100000).fit(spiral[["x1", "x2"]], spiral["y"], groups=spiral["cluster"])
    assert time.monotonic() - start < 30
    # Python's own handler is back: the next Ctrl-C is Python's KeyboardInterrupt again.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_progress_goes_to_logging_silent_by_default(spiral, caplog, capfd):
    import logging

    quick(epochs=2).fit(spiral[["x1", "x2"]], spiral["y"], groups=spiral["cluster"])
    assert capfd.readouterr().err == ""  # silent
    with caplog.at_level(logging.INFO, logger="armed"):
        quick(epochs=2).fit(spiral[["x1", "x2"]], spiral["y"], groups=spiral["cluster"])
    lines = [r.getMessage() for r in caplog.records if r.name == "armed"]
    assert any(line.startswith("epoch   2/2") for line in lines), lines
    quick(epochs=2, verbose=True).fit(spiral[["x1", "x2"]], spiral["y"], groups=spiral["cluster"])
    assert "epoch   2/2" in capfd.readouterr().err
