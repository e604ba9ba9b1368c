"""armed from Python, end to end: fit on simulated clustered data, cross-validate by clusters,
read the random effects, write the report. Run from the repository after `make build`:

    PYTHONPATH=build/python /usr/bin/python3 examples/python/quickstart.py
"""
import sys

from sklearn.model_selection import GroupKFold, cross_val_score

import armed

out = sys.argv[1] if len(sys.argv) > 1 else "quickstart-report.html"
data = armed.simulate_spiral(clusters=10, points_per_cluster=300, seed=48)
X, y, site = data[["x1", "x2"]], data["y"], data["cluster"]

model = armed.ARMEDClassifier(model="armed", epochs=30, hidden=(32, 32), seed=48)
model.fit(X, y, groups=site)
print("accuracy on the training clusters:", round(model.score(X, y, site), 3))

# Unseen clusters: each fold's test clusters were never trained on.
scores = cross_val_score(armed.ARMEDClassifier(model="armed", epochs=30, hidden=(32, 32), seed=48), X, y, groups=site,
                         cv=GroupKFold(n_splits=5), fit_params={"groups": site})
print("grouped 5-fold accuracy on unseen clusters:", scores.round(3))

print(model.effects_[model.effects_.effect == "(Intercept)"].round(3).to_string(index=False))
armed.report(model, X, y, site, out)
print("report:", out)
