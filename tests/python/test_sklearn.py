import inspect
import pickle

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GroupKFold, cross_val_score

import armed
from armed import _armed
from conftest import quick


def test_every_config_field_is_a_parameter_with_the_cli_default():
    params = armed.ARMEDClassifier().get_params()
    for name, default, _ in _armed.config_fields():
        assert name in params, name
        if name != "model":
            assert params[name] == (tuple(default) if isinstance(default, list) else default), name
    assert params["model"] == "armed"
    assert armed.ARMEDRegressor().get_params()["task"] == "regression"
    assert "batch_size" in inspect.signature(armed.ARMEDClassifier).parameters


def test_clone_and_set_params():
    model = quick(lr=0.01, hidden=(4,))
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy is not model
    copy.set_params(lr=0.5)
    assert copy.lr == 0.5 and model.lr == 0.01


def test_cross_val_score_with_group_kfold(spiral):
    x, y, groups = spiral[["x1", "x2"]], spiral["y"], spiral["cluster"]
    scores = cross_val_score(quick(epochs=10), x, y, groups=groups, cv=GroupKFold(n_splits=4), fit_params={"groups": groups})
    assert scores.shape == (4,) and np.all((scores > 0.3) & (scores <= 1.0))


def test_pickle_round_trip_predicts_identically(spiral):
    model = quick().fit(spiral[["x1", "x2"]], spiral["y"], groups=spiral["cluster"])
    back = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(back.predict_proba(spiral[["x1", "x2"]], spiral["cluster"]),
                                  model.predict_proba(spiral[["x1", "x2"]], spiral["cluster"]))
    assert back.get_params() == model.get_params()
