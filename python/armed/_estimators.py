"""scikit-learn estimators on armed's C++ models.

Every ModelConfig field is a constructor parameter with the CLI flag's name (snake_case) and
default, read from the library itself, so that a parameter means here what its flag means there.
A fitted estimator holds a model the CLI reads (save) and pickles through its directory's bytes."""
import inspect
import json
import os
import tempfile

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from . import _armed
from ._effects import block_effects_frame, effects_frame, random_effects_sd
from ._inputs import TextColumns, features_and_groups

# (name, default, help) of every ModelConfig field; lists become tuples (immutable defaults).
_FIELDS = [(name, tuple(default) if isinstance(default, list) else default, help) for name, default, help in _armed.config_fields()]
_MODES = ("auto", "mixed", "fixed", "inferred")


def _with_parameters(cls, overrides):
    """Gives cls an __init__ whose keyword parameters are the config fields (and verbose), so that
    get_params, set_params and clone see them."""
    defaults = {name: overrides.get(name, default) for name, default, _ in _FIELDS}
    defaults["verbose"] = False

    def __init__(self, **params):
        unknown = sorted(set(params) - set(defaults))
        if unknown:
            raise TypeError(f"{cls.__name__}: unknown parameter {unknown[0]!r}")
        for name, default in defaults.items():
            setattr(self, name, params.get(name, default))

    __init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default) for name, default in defaults.items()]
    )
    cls.__init__ = __init__
    cls.__doc__ = (cls.__doc__ or "") + "\n\nParameters (as the CLI's flags):\n" + "\n".join(
        f"    {name} = {overrides.get(name, default)!r}: {help}" for name, default, help in _FIELDS
    ) + "\n    verbose = False: training progress lines on stderr"
    return cls


def _make_data(x, names, levels, factor_names, labels, *target):
    """The library's rows: from a NumPy array (borrowed), or from text columns coded as the CLI
    codes a CSV file's, against `levels` where a model gives them."""
    if isinstance(x, TextColumns):
        return _armed.text_data(x.columns, x.cells, levels, factor_names, labels, *target)
    return _armed.data(x, names, factor_names, labels, *target)


class _ARMEDBase(BaseEstimator):
    _task = None  # set by the subclass

    def _config_json(self, task):
        config = {}
        for name, _, _ in _FIELDS:
            value = getattr(self, name)
            config[name] = list(value) if isinstance(value, tuple) else value.item() if isinstance(value, np.generic) else value
        config["task"] = task
        return json.dumps(config)

    def fit(self, X, y, groups=None, checkpoint_dir=None, checkpoint_every=0, resume=False):
        """Trains on features X (NumPy array or DataFrame), targets y and each row's cluster
        (groups: labels, a DataFrame of several factors, or with a DataFrame X its column names).

        checkpoint_dir: a directory for checkpoints, written every checkpoint_every epochs (0: only
        when Ctrl-C stops the fit); resume=True continues the run checkpointed there, given the same
        parameters and data, to the model the uninterrupted fit gives (as `armed train --resume`)."""
        if groups is None:
            raise ValueError("groups: armed models need each row's cluster (groups=...)")
        if checkpoint_dir is None and (checkpoint_every or resume):
            raise ValueError("checkpoint_every, resume: give checkpoint_dir, the directory of the checkpoints")
        if checkpoint_every < 0:
            raise ValueError(f"checkpoint_every: {checkpoint_every} epochs; give 0 or more")
        checkpoint_dir = "" if checkpoint_dir is None else os.fspath(checkpoint_dir)
        if checkpoint_dir and not resume and os.path.exists(os.path.join(checkpoint_dir, "checkpoint.json")):
            raise ValueError(f"checkpoint_dir {checkpoint_dir!r} holds a checkpoint of an earlier fit: continue it with "
                             "resume=True, or remove it to start afresh")
        x, names, factor_names, labels = features_and_groups(X, groups)
        target, levels, task = self._encode_target(y, x.shape[0])
        data = _make_data(x, names, {}, factor_names, labels, target, "y", levels, task)
        try:
            self.model_ = _armed.Model.fit(self._config_json(task), data, self.verbose, checkpoint_dir, checkpoint_every, resume)
        except KeyboardInterrupt as stop:
            if checkpoint_dir and os.path.exists(os.path.join(checkpoint_dir, "checkpoint.json")):
                raise KeyboardInterrupt(f"{stop}; continue from its checkpoint with fit(..., checkpoint_dir={checkpoint_dir!r}, "
                                        "resume=True)") from None
            raise
        self._fitted_from(self.model_)
        return self

    def _fitted_from(self, model):
        self.feature_names_in_ = np.array(model.feature_columns, dtype=object)
        self.n_features_in_ = len(model.feature_columns)
        self.n_clusters_ = model.n_clusters[0] if len(model.n_clusters) == 1 else tuple(model.n_clusters)
        self.factor_names_ = list(model.factor_names)
        # Per epoch: loss, metric, validation loss and metric, samples per second, loss terms.
        self.history_ = json.loads(model.history)["epochs"]
        try:
            effects = json.loads(model.effects_json())
        except _armed.ArmedError:  # a model without random effects (conventional, adversarial)
            effects = {}
        self.effects_ = effects_frame(effects)
        self.block_effects_ = block_effects_frame(effects)
        self.random_effects_sd_ = random_effects_sd(effects)

    def _data(self, X, groups, y=None):
        """The rows as the model reads them; with y, its targets encoded as in fit."""
        x, names, factor_names, labels = self._inputs(X, groups)
        coded = self.model_.levels
        if coded and not isinstance(x, TextColumns):
            raise ValueError(f"X: this model codes the text columns {', '.join(coded)}; pass X as a DataFrame with them")
        if y is None:
            return _make_data(x, names, coded, factor_names, labels)
        target, levels, _ = self._encode_target(y, x.shape[0], refit=False)
        return _make_data(x, names, coded, factor_names, labels, target, self.model_.target_name, levels, self.model_.task)

    def _inputs(self, X, groups):
        self._check_fitted()
        # A DataFrame that holds the model's grouping columns gives them (as in cross_val_score).
        if groups is None and hasattr(X, "columns") and all(name in X.columns for name in self.factor_names_):
            groups = list(self.factor_names_)
        return features_and_groups(X, groups, feature_names=self.feature_names_in_)

    def _check_fitted(self):
        if not hasattr(self, "model_"):
            raise ValueError(f"this {type(self).__name__} is not fitted yet: call fit first")

    def _predict(self, X, groups, mode, unseen="auto", interval=0.0):
        if mode not in _MODES:
            raise ValueError(f"mode: '{mode}' is not one of {', '.join(_MODES)}")
        return self.model_.predict(self._data(X, groups), mode, unseen, interval)

    def save(self, path):
        """Writes the model directory (config.json, weights.pt) that `armed predict --model` reads."""
        self._check_fitted()
        self.model_.save(os.fspath(path))

    def report(self, X, y, groups, path, compare=None):
        """Writes the HTML report of `armed report` for these rows; `compare`, another fitted
        estimator of the same data (`armed report --compare`), adds its metrics and, for image
        models, its saliency beside this one's."""
        other = None if compare is None else compare.model_
        self.model_.report(self._data(X, groups, y), os.fspath(path), other)

    def evaluate(self, X, y, groups=None, mode="auto", unseen="auto", threshold=None):
        """The metrics of `armed evaluate`: overall, per mode and per cluster, as a dict. Binary
        targets add overall["decisions"]: sensitivity, specificity, PPV, NPV and F1 at 0.5, at the
        Youden point of these rows, and at `threshold` (default: the Youden point of the
        validation rows of a model fitted with validation_fraction)."""
        return json.loads(self.model_.evaluate(self._data(X, groups, y), mode, unseen, threshold))

    # Pickling (and so joblib and multiprocessing) through the model directory's bytes.
    def __getstate__(self):
        state = self.__dict__.copy()
        model = state.pop("model_", None)
        if model is not None:
            with tempfile.TemporaryDirectory() as tmp:
                model.save(os.path.join(tmp, "model"))
                state["_model_files"] = {name: open(os.path.join(tmp, "model", name), "rb").read() for name in os.listdir(os.path.join(tmp, "model"))}
        return state

    def __setstate__(self, state):
        files = state.pop("_model_files", None)
        self.__dict__.update(state)
        if files is not None:
            with tempfile.TemporaryDirectory() as tmp:
                os.mkdir(os.path.join(tmp, "model"))
                for name, data in files.items():
                    with open(os.path.join(tmp, "model", name), "wb") as out:
                        out.write(data)
                self.model_ = _armed.Model.load(os.path.join(tmp, "model"))


class ARMEDClassifier(ClassifierMixin, _ARMEDBase):
    """ARMED for classes: two (logistic) or more (softmax, task multiclass). predict_proba's
    columns follow classes_."""

    def _encode_target(self, y, rows, refit=True):
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != rows:
            raise ValueError(f"y: expected {rows} labels (one per row of X), got shape {y.shape}")
        if refit:
            if y.dtype.kind == "f" and np.isnan(y).any():
                raise ValueError(f"y row {int(np.argmax(np.isnan(y))) + 1}: not a finite number")
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2:
                raise ValueError(f"y: a single class ({self.classes_[0]!r}); classification needs at least two")
        index = np.searchsorted(self.classes_, y)
        index = np.clip(index, 0, len(self.classes_) - 1)
        unknown = self.classes_[index] != y
        if unknown.any():
            raise ValueError(f"y row {int(np.argmax(unknown)) + 1}: class {y[np.argmax(unknown)]!r} was not seen in training")
        task = "classification" if len(self.classes_) == 2 else "multiclass"
        # 0/1 numbers need no names, as a CSV's 0/1 target has none.
        zero_one = task == "classification" and self.classes_.dtype.kind in "biuf" and list(self.classes_) == [0, 1]
        return index.astype(np.float32), [] if zero_one else [str(c) for c in self.classes_], task

    def predict_proba(self, X, groups=None, mode="auto"):
        """[rows, classes] class probabilities; groups: each row's cluster (None: fixed effects, or
        inferred membership where it served training clusters held out of a second predictor better)."""
        p = self._predict(X, groups, mode)
        if "probabilities" in p:
            return p["probabilities"]
        return np.column_stack([1 - p["value"], p["value"]])

    def predict(self, X, groups=None, mode="auto"):
        return self.classes_[np.argmax(self.predict_proba(X, groups, mode), axis=1)]

    def score(self, X, y, groups=None, sample_weight=None):
        from sklearn.metrics import accuracy_score

        return accuracy_score(y, self.predict(X, groups), sample_weight=sample_weight)


class ARMEDRegressor(RegressorMixin, _ARMEDBase):
    """ARMED for a continuous target (task regression) or counts (task count)."""

    def _encode_target(self, y, rows, refit=True):
        y = np.asarray(y, dtype=np.float32)
        if y.ndim != 1 or y.shape[0] != rows:
            raise ValueError(f"y: expected {rows} values (one per row of X), got shape {y.shape}")
        return y, [], self.task

    def predict(self, X, groups=None, mode="auto", interval=None):
        """Predictions; with interval (e.g. 0.95) also the lower and upper bounds: (value, lower, upper)."""
        p = self._predict(X, groups, mode, interval=interval or 0.0)
        return (p["value"], p["lower"], p["upper"]) if interval else p["value"]

    def score(self, X, y, groups=None, sample_weight=None):
        from sklearn.metrics import r2_score

        return r2_score(y, self.predict(X, groups), sample_weight=sample_weight)


# Their defaults are the CLI's but for the model (armed, which the estimators are named for) and
# the regressor's task.
_with_parameters(ARMEDClassifier, {"model": "armed"})
_with_parameters(ARMEDRegressor, {"model": "armed", "task": "regression"})


def _class_labels(levels):
    """The classes a model's target levels name: numbers where they all read as numbers."""
    for kind in (int, float):
        try:
            return np.array([kind(level) for level in levels])
        except ValueError:
            pass
    return np.array(levels, dtype=object)


def load(path):
    """An estimator on a model directory (from the CLI or save())."""
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{path}: no such model directory")
    model = _armed.Model.load(path)
    config = json.loads(model.config_json())
    task = config["task"]
    cls = ARMEDRegressor if task in ("regression", "count") else ARMEDClassifier
    params = {name: tuple(config[name]) if isinstance(config[name], list) else config[name] for name, _, _ in _FIELDS if name in config}
    estimator = cls(**params)
    estimator.model_ = model
    estimator._fitted_from(model)
    if cls is ARMEDClassifier:
        levels = model.target_levels
        estimator.classes_ = _class_labels(levels) if levels else np.array([0, 1])
    return estimator
