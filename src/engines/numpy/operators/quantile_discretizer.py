"""QuantileDiscretizer: Bucketizer with splits -inf, q_1, ..., inf, where q_j = x_(ceil(j/k * n)) are the exact
quantiles of the n fitted values, equal ones kept once (Spark's rule, relativeError 0).

A constant column has the single inner split c: every value lands in bucket 1 (bucket 0 stays empty, as in
Spark). Missing values are refused, or with handle_invalid keep left out of the fit and put in the last bucket.
"""

import numpy as np

from src.bench.errors import UserError

from ..kernels import buckets, order_statistics, require_values

IMPLEMENTATION = "native"


def quantile_probabilities(num_buckets: int) -> list[float]:
    return [j / num_buckets for j in range(1, num_buckets)]


def discretizer_splits(quantiles: list[float]) -> list[float]:
    """-inf, the distinct quantiles ascending (-0.0 made 0.0), inf."""
    return [-np.inf, *np.unique(np.asarray(quantiles, dtype=np.float64) + 0.0).tolist(), np.inf]


def require_observed(count: int, operator: str, column: str) -> None:
    if count == 0:
        raise UserError(f"{operator}: column '{column}' has no non-missing value to take quantiles of")


def fit(frame, step):
    keep = step.params["handle_invalid"] == "keep"
    probabilities = quantile_probabilities(step.params["num_buckets"])
    state = []
    for c in step.input_cols:
        x = frame[c]
        if not keep:
            require_values(float(np.minimum.reduce(x, initial=np.inf)), x, step.name, c)
        observed = x[~np.isnan(x)]
        require_observed(observed.size, step.name, c)
        state.append(discretizer_splits(order_statistics(observed, probabilities)))
    return state


def transform(frame, state, step):
    keep = step.params["handle_invalid"] == "keep"
    out = {}
    for name, col, splits in zip(step.output_cols, step.input_cols, state):
        x = frame[col]
        if not keep:
            require_values(float(np.minimum.reduce(x, initial=np.inf)), x, step.name, col)
        out[name] = buckets(x, np.asarray(splits), keep)
    return frame.with_columns(out)
