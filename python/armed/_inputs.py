"""NumPy arrays and pandas DataFrames to what the C++ library reads: float32 features in C order
(passed without a copy when they already are), feature names, and grouping-factor labels."""
import numpy as np


def _is_frame(obj):
    return hasattr(obj, "columns") and hasattr(obj, "iloc")


def features_and_groups(X, groups, feature_names=None):
    """Returns (x float32 C-order, feature names, factor names, [labels per factor]); x is a
    TextColumns when X is a DataFrame with text columns.

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
    if _is_frame(X) and any(not _is_numeric(X[column].dtype) for column in X.columns):
        factor_names, labels = _factors(groups, len(X))
        return TextColumns([str(c) for c in X.columns], [_cells(X[c]) for c in X.columns]), [str(c) for c in X.columns], factor_names, labels
    if _is_frame(X):
        names = [str(c) for c in X.columns]
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


class TextColumns:
    """A DataFrame with text columns, every cell as text, for the C++ library to code as the CLI
    codes a CSV file's columns: text as dummies against the first level (or a model's levels)."""

    def __init__(self, columns, cells):
        self.columns, self.cells = columns, cells
        self.shape = (len(cells[0]) if cells else 0, len(columns))


def _is_numeric(dtype):
    return np.issubdtype(dtype, np.number) or np.issubdtype(dtype, np.bool_)


def _cells(column):
    if _is_numeric(column.dtype):
        # repr round-trips a float64, so the library reads the value a numeric array would give it.
        return [repr(float(v)) for v in column.to_numpy(dtype=np.float64)]
    cells = []
    for row, value in enumerate(column.tolist()):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            raise ValueError(f"X column {column.name!r}, row {row + 1}: missing value")
        cells.append(str(value))
    return cells


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
