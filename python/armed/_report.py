"""armed.report(model, X, y, groups, path): the HTML report `armed report` writes."""


def report(model, X, y, groups, path):
    """Writes the model's HTML report on these rows (metrics overall and per cluster, effects,
    training curves) to path."""
    model.report(X, y, groups, path)
