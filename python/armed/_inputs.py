"""NumPy arrays and pandas DataFrames to what the C++ library reads: float32 features in C order
(passed without a copy when they already are), feature names, and grouping-factor labels."""
import numpy as np


def _is_frame(obj):
    return hasattr(obj, "columns") and hasattr(obj, "iloc")


def features_and_groups(X, groups, feature_names=None):
    """Returns (x float32 C-order, feature names, factor names, [labels per factor]).

    groups: one label per row (array-like or Series), a DataFrame of several factors, or with a
    DataFrame X the name (or list of names) of its grouping columns, which are then not features.
    None: no factor labels (predictions by the fixed effects or inferred membership)."""
    factor_columns = []
    if _is_frame(X) and (isinstance(groups, str) or (isinstance(groups, (list, tuple)) and groups and all(isinstance(g, str) for g in groups))):
        factor_columns = [groups] if isinstance(groups, str) else list(groups)
        missing = [c for c in factor_columns if c not in X.columns]
        if missing:
            raise ValueError(f"groups: no column {missing[0]!r} in X")
        groups = X[factor_columns]
        X = X.drop(columns=factor_columns)
    if _is_frame(X):
        names = [str(c) for c in X.columns]
        for column in X.columns:
            if not np.issubdtype(X[column].dtype, np.number) and not np.issubdtype(X[column].dtype, np.bool_):
                raise ValueError(f"X column {column!r}: not numeric ({X[column].dtype}); encode it first or pass it as groups")
        x = X.to_numpy(dtype=np.float32)
    else:
        x = np.asarray(X)
        if x.ndim not in (2, 4):
            raise ValueError(f"X: expected rows x features (2-d) or images rows x channels x height x width (4-d), got {x.ndim} dimensions")
        if not (np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.bool_)):
            raise ValueError(f"X: not numeric ({x.dtype})")
        if x.ndim == 4:  # images have no feature names
            names = []
        else:
            names = list(feature_names) if feature_names is not None else [f"x{j + 1}" for j in range(x.shape[1])]
    x = np.ascontiguousarray(x, dtype=np.float32)
    factor_names, labels = _factors(groups, x.shape[0])
    return x, names, factor_names, labels


def _factors(groups, rows):
    if groups is None:
        return [], []
    if _is_frame(groups):
        names = [str(c) for c in groups.columns]
        columns = [groups[c].to_numpy() for c in groups.columns]
    else:
        names = [str(getattr(groups, "name", None) or "group")]
        columns = [np.asarray(groups)]
    labels = []
    for name, column in zip(names, columns):
        if column.ndim != 1 or column.shape[0] != rows:
            raise ValueError(f"groups: {name!r} has shape {column.shape}, X has {rows} rows")
        labels.append([_label(v) for v in column])
    return names, labels


def _label(value):
    # Integral floats (pandas turns integer columns with gaps into floats) read as the integers they are.
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)
