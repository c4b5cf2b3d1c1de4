"""QuantileDiscretizer: exact quantile splits from one Dask aggregation of value counts, then Bucketizer's lazy
comparisons (custom: dask-ml's KBinsDiscretizer is scikit-learn's on the computed data, and Dask's own quantiles
are approximate).

The fit computes every column's `value_counts()` (missing values left out) and, with handle_invalid error, the
missing-value check (columns.py) first; the ranks ceil(j/k * n) are read off the cumulative counts and the
distinct quantiles between -inf and inf are the splits (the reference's rule).
"""

import dask
import dask.dataframe as dd

from src.engines.numpy.operators.quantile_discretizer import (
    discretizer_splits,
    quantile_probabilities,
    require_observed,
)

from ..columns import require_values
from .bucketizer import bucket
from .robust_scaler import quantiles

IMPLEMENTATION = "custom"


def fit(data: dd.DataFrame, step) -> list:
    columns = list(step.input_cols)
    if step.params["handle_invalid"] != "keep":
        require_values(data, columns, step.name)
    counts = dask.compute([data[c].value_counts() for c in columns])[0]
    probabilities = quantile_probabilities(step.params["num_buckets"])
    state = []
    for c, found in zip(columns, counts):
        require_observed(len(found), step.name, c)
        state.append(discretizer_splits(quantiles(found.sort_index(), probabilities)))
    return state


def transform(data: dd.DataFrame, state: list, step) -> dd.DataFrame:
    return data.assign(**{name: bucket(data[col], splits)
                          for name, col, splits in zip(step.output_cols, step.input_cols, state)})
