"""Imputer: sklearn's SimpleImputer (nulls are NaN in the Frame), with the lower median for an even count.

mean, mode (most_frequent: ties go to the smallest value) and constant are native. scikit-learn's median
averages the two middle values when a column has an even number of observed values; the canonical median is
the lower one, x_(ceil(n/2)), so those columns' statistics are overwritten: median is native+adapter.
"""

import numpy as np
from sklearn.impute import SimpleImputer

from src.bench.errors import UserError

from ._columns import numeric_matrix, with_matrix

IMPLEMENTATION = "native"
STRATEGIES = {"mean": "mean", "median": "median", "mode": "most_frequent", "constant": "constant"}


def label(step) -> str:
    return "native+adapter" if step.params["strategy"] == "median" else IMPLEMENTATION


def fit(frame, step):
    strategy = step.params["strategy"]
    x = numeric_matrix(frame, step.input_cols)
    observed = np.count_nonzero(~np.isnan(x), axis=0)
    if strategy != "constant" and (observed == 0).any():
        name = step.input_cols[int(np.argmin(observed))]
        raise UserError(f"Imputer: column '{name}' has no non-null values, so there is nothing to impute from")
    # keep_empty_features: an all-null column keeps its place (filled with fill_value) instead of being dropped
    imputer = SimpleImputer(
        strategy=STRATEGIES[strategy], fill_value=step.params["fill_value"], keep_empty_features=True
    ).fit(x)
    if strategy == "median":
        even = np.flatnonzero(observed % 2 == 0)
        imputer.statistics_[even] = np.nanquantile(x[:, even], 0.5, axis=0, method="inverted_cdf")
    return imputer


def transform(frame, state, step):
    return with_matrix(frame, step.output_cols, state.transform(numeric_matrix(frame, step.input_cols)))
