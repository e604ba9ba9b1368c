"""evaluate's decision metrics for binary targets, checked against scikit-learn's on the same predictions."""
import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_curve

from conftest import quick


def sklearn_point(y, p, threshold):
    called = (p >= threshold).astype(int)
    return {
        "sensitivity": recall_score(y, called),
        "specificity": recall_score(y, called, pos_label=0),
        "ppv": precision_score(y, called),
        "npv": precision_score(y, called, pos_label=0),
        "f1": f1_score(y, called),
        "accuracy": accuracy_score(y, called),
    }


def assert_point(ours, y, p, threshold):
    assert ours["threshold"] == pytest.approx(threshold)
    for name, value in sklearn_point(y, p, threshold).items():
        assert ours[name] == pytest.approx(value), name


@pytest.fixture(scope="module")
def fitted(spiral):
    x, y, groups = spiral[["x1", "x2"]], spiral["y"].to_numpy(), spiral["cluster"]
    model = quick(epochs=10, validation_fraction=0.2, seed=5).fit(x, y, groups=groups)
    return model, x, y, groups, model.predict_proba(x, groups)[:, 1]


def test_every_point_agrees_with_scikit_learn(fitted):
    model, x, y, groups, p = fitted
    decisions = model.evaluate(x, y, groups)["overall"]["decisions"]
    assert_point(decisions["at_0.5"], y, p, 0.5)
    fpr, tpr, thresholds = roc_curve(y, p, drop_intermediate=False)
    youden = thresholds[np.argmax(tpr - fpr)]
    assert_point(decisions["youden"], y, p, youden)
    for level in ("0.9", "0.95"):
        assert decisions["sensitivity_at_specificity"][level] == pytest.approx(tpr[fpr <= 1 - float(level) + 1e-12].max())
        assert decisions["specificity_at_sensitivity"][level] == pytest.approx((1 - fpr[tpr >= float(level) - 1e-12]).max())


def test_the_threshold_comes_from_validation_rows_or_the_caller(fitted):
    model, x, y, groups, p = fitted
    chosen = model.evaluate(x, y, groups)["overall"]["decisions"]["at_threshold"]
    assert chosen["chosen_by"] == "the Youden point of the model's validation rows"
    assert 0 < chosen["threshold"] < 1
    assert_point(chosen, y, p, chosen["threshold"])
    given = model.evaluate(x, y, groups, threshold=0.3)["overall"]["decisions"]["at_threshold"]
    assert given["chosen_by"] == "--threshold"
    assert_point(given, y, p, 0.3)


def test_unseen_reaches_evaluate(fitted):
    model, x, y, groups, _ = fitted
    unseen = groups.astype(str) + "-new"
    fixed = model.evaluate(x, y, unseen, unseen="fixed")
    assert fixed["modes"] == {"fixed": len(y)}
    inferred = model.evaluate(x, y, unseen, unseen="inferred")
    assert inferred["modes"] == {"inferred": len(y)}
