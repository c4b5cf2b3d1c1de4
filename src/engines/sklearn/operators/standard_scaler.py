"""StandardScaler: sklearn's StandardScaler (population std), with constant columns set to exactly 0.

The adapter: scikit-learn gives a constant column scale 1, so it outputs x - mean (rounding noise, or more for
large values) and, with with_mean=False, x itself; the canonical output is 0. Only columns whose std is
within rounding of 0 are looked at, so normal columns cost nothing extra. Without with_std there is nothing
to adapt.
"""

import numpy as np
from sklearn.preprocessing import StandardScaler

from ._columns import numeric_matrix, with_matrix

IMPLEMENTATION = "native+adapter"


def label(step) -> str:
    return IMPLEMENTATION if step.params["with_std"] else "native"


def fit(frame, step):
    x = numeric_matrix(frame, step.input_cols)
    scaler = StandardScaler(with_mean=step.params["with_mean"], with_std=step.params["with_std"]).fit(x)
    if not scaler.with_std:
        return scaler, np.zeros(x.shape[1], dtype=bool)
    suspect = np.flatnonzero(np.sqrt(scaler.var_) <= 1e-9 * np.abs(scaler.mean_))
    constant = np.zeros(x.shape[1], dtype=bool)
    constant[suspect] = x[:, suspect].min(axis=0) == x[:, suspect].max(axis=0)
    return scaler, constant


def transform(frame, state, step):
    scaler, constant = state
    y = scaler.transform(numeric_matrix(frame, step.input_cols))
    y[:, constant] = 0.0
    return with_matrix(frame, step.output_cols, y)
