"""MaxAbsScaler: Ray's own MaxAbsScaler (native).

Ray's definition is the canonical one: x / max|x| per column (fit: one AbsMax aggregate), and an all-zero column
is divided by 1, so it stays 0.
"""

from ray.data.preprocessors import MaxAbsScaler

IMPLEMENTATION = "native"


def fit(ds, step):
    return MaxAbsScaler(columns=list(step.input_cols), output_columns=list(step.output_cols)).fit(ds)


def transform(ds, scaler, step):
    return scaler.transform(ds)
