"""armed: mixed-effects deep learning (ARMED) for clustered data.

Estimators in scikit-learn's style on the C++ library: ARMEDClassifier, ARMEDRegressor; load()
reads a model directory the command line wrote, and every fitted estimator's save() writes one it
reads."""
from ._armed import ArmedError
from ._estimators import ARMEDClassifier, ARMEDRegressor, load
from ._mixed_lm import MixedLM
from ._report import report
from ._simulate import simulate_glmm, simulate_spiral

__all__ = ["ARMEDClassifier", "ARMEDRegressor", "ArmedError", "MixedLM", "load", "report", "simulate_glmm", "simulate_spiral"]
