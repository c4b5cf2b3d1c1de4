"""MinMaxScaler: sklearn's MinMaxScaler with feature_range=(min, max), constant columns pinned to min.

The adapter: for a column that was constant at fit, scikit-learn divides by 1 instead of the zero range, so
it gives min only on the fitted values themselves (and only up to rounding, x * s + (min - x * s)); other
values come out as min + (x - c) * (max - min). The canonical output is min for every row.
"""

from sklearn.preprocessing import MinMaxScaler

from ._columns import numeric_matrix, with_matrix

IMPLEMENTATION = "native+adapter"


def fit(frame, step):
    scaler = MinMaxScaler(feature_range=(step.params["min"], step.params["max"]))
    return scaler.fit(numeric_matrix(frame, step.input_cols))


def transform(frame, state, step):
    y = state.transform(numeric_matrix(frame, step.input_cols))
    y[:, state.data_range_ == 0] = step.params["min"]
    return with_matrix(frame, step.output_cols, y)
