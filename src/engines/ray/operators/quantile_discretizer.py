"""QuantileDiscretizer: exact quantile splits from one Ray aggregate of value counts, then Bucketizer's
CustomKBinsDiscretizer with them (custom: Ray has no quantile discretizer).

The fit is one `Dataset.aggregate` of per-column value counts (aggregates.py, `OrderStatistics`, which leaves
nulls out: Ray's blocks hold missing values as null) at the ranks ceil(j/k * n); the distinct quantiles between
-inf and inf are the splits (the reference's rule). Missing values under handle_invalid error are refused by the
reference check before the engine runs, and so is a column without any non-missing value.
"""

from src.engines.numpy.operators.quantile_discretizer import discretizer_splits, quantile_probabilities

from ..aggregates import OrderStatistics
from .bucketizer import bucketize

IMPLEMENTATION = "custom"


def fit(ds, step):
    probabilities = quantile_probabilities(step.params["num_buckets"])
    aggregates = [OrderStatistics(c, probabilities) for c in step.input_cols]
    stats = ds.aggregate(*aggregates)
    return [discretizer_splits(stats[a.name]) for a in aggregates]


def transform(ds, state, step):
    return bucketize(ds, step.input_cols, step.output_cols, state)
