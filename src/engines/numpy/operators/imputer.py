"""Imputer: nulls replaced by the mean, lower median, smallest mode, or a constant of the non-null values."""

import math

import numpy as np

from src.bench.errors import UserError

IMPLEMENTATION = "native"


def fit(frame, step):
    strategy = step.params["strategy"]
    if strategy == "constant":
        return [step.params["fill_value"]] * len(step.input_cols)
    return [_statistic(frame[c], c, strategy) for c in step.input_cols]


def _statistic(x: np.ndarray, name: str, strategy: str) -> float:
    observed = x[~np.isnan(x)]
    if observed.size == 0:
        raise UserError(f"Imputer: column '{name}' has no non-null values, so there is nothing to impute from")
    if strategy == "mean":
        return float(observed.mean())
    if strategy == "median":
        k = math.ceil(observed.size / 2) - 1
        return float(np.partition(observed, k)[k])
    values, counts = np.unique(observed, return_counts=True)
    return float(values[np.argmax(counts)])  # unique sorts, argmax takes the first: ties go to the smallest


def transform(frame, state, step):
    out = {}
    for name, col, fill in zip(step.output_cols, step.input_cols, state):
        x = frame[col]
        out[name] = np.where(np.isnan(x), fill, x)
    return frame.with_columns(out)
