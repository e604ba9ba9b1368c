"""Linear and generalized linear mixed models from lme4-style formulas, fitted as lme4 fits them."""
import json
import os
import tempfile

import pandas as pd
from sklearn.base import BaseEstimator

from . import _armed
from ._effects import effects_frame, random_effects_sd

_DEFAULTS = {name: default for name, default, _ in _armed.config_fields()}


class _TableFile:
    """A DataFrame written to a temporary CSV for the library's formula reader; messages that name
    the file name `data` instead."""

    def __init__(self, frame):
        if not hasattr(frame, "columns"):
            raise ValueError("data: a formula model reads a pandas DataFrame whose columns the formula names")
        self._dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self._dir.name, "data.csv")
        frame.to_csv(self.path, index=False)

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace):
        self._dir.cleanup()
        if isinstance(error, _armed.ArmedError):
            raise ValueError(str(error).replace(self.path, "data")) from None
        return False


class MixedLM(BaseEstimator):
    """A mixed model from a formula in lme4's syntax, e.g. "Reaction ~ Days + (Days | Subject)" or
    "cbind(incidence, size - incidence) ~ period + (1 | herd)", fitted by maximum likelihood (reml=True:
    REML) for family "gaussian", by Laplace's approximation or with nagq > 1 adaptive quadrature for
    "binomial" and "poisson" (glmer). fit reads a DataFrame with the columns the formula names."""

    def __init__(self, formula="", family="gaussian", reml=_DEFAULTS["reml"], nagq=_DEFAULTS["nagq"], verbose=False):
        self.formula = formula
        self.family = family
        self.reml = reml
        self.nagq = nagq
        self.verbose = verbose

    def fit(self, data, y=None):
        if not self.formula:
            raise ValueError("formula: give the model, e.g. MixedLM(\"y ~ x + (1 | group)\")")
        config = json.dumps({"formula": self.formula, "fe": "linear", "reml": self.reml, "nagq": self.nagq})
        with _TableFile(data) as table:
            self.model_ = _armed.Model.fit_formula(config, self.family, table.path, False, self.verbose)
        summary = json.loads(self.model_.effects_json())
        fit = summary["linear_mixed_model"]
        self.fixed_effects_ = pd.DataFrame(fit["fixed_effects"]).set_index("name")
        self.random_effects_sd_ = random_effects_sd(summary)
        self.residual_sd_ = fit.get("residual_sd")
        self.log_likelihood_, self.aic_, self.bic_ = fit["log_likelihood"], fit["aic"], fit["bic"]
        self.converged_ = fit["converged"]
        self.effects_ = effects_frame(summary)
        return self

    def predict(self, data, mode="auto"):
        """The mean response (probability for binomial, expected count for poisson): levels seen in
        training get their conditional modes, new ones the fixed effects (mode "fixed": all)."""
        if not hasattr(self, "model_"):
            raise ValueError("this MixedLM is not fitted yet: call fit first")
        with _TableFile(data) as table:
            rows = self.model_.read_csv(table.path)
            return self.model_.predict(rows, mode, "auto", 0.0)["value"]

    def save(self, path):
        """Writes the model directory that `armed predict --model` reads."""
        self.model_.save(os.fspath(path))
