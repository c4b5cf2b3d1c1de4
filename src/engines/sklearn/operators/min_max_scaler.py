"""MinMaxScaler: sklearn's MinMaxScaler with feature_range=(min, max); it maps a constant column to min."""

from sklearn.preprocessing import MinMaxScaler

from ._columns import numeric_matrix, with_matrix

IMPLEMENTATION = "native"


def fit(frame, step):
    scaler = MinMaxScaler(feature_range=(step.params["min"], step.params["max"]))
    return scaler.fit(numeric_matrix(frame, step.input_cols))


def transform(frame, state, step):
    return with_matrix(frame, step.output_cols, state.transform(numeric_matrix(frame, step.input_cols)))
