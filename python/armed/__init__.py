"""armed: mixed-effects deep learning (ARMED) for clustered data.

Estimators in scikit-learn's style on the C++ library: ARMEDClassifier, ARMEDRegressor; load()
reads a model directory the command line wrote, and every fitted estimator's save() writes one it
reads."""
import os as _os

from ._armed import ArmedError, __version__
from ._estimators import ARMEDClassifier, ARMEDRegressor, load
from ._mixed_lm import MixedLM
from ._report import report
from ._simulate import simulate_glmm, simulate_spiral

# An installed wheel carries the report's charting libraries beside the package.
_CHARTS = _os.path.join(_os.path.dirname(__file__), "js")
if _os.path.isdir(_CHARTS):
    _os.environ.setdefault("ARMED_REPORT_JS", _CHARTS)

__all__ = ["ARMEDClassifier", "ARMEDRegressor", "ArmedError", "MixedLM", "load", "report", "simulate_glmm", "simulate_spiral", "__version__"]
