"""QuantileDiscretizer: exact quantile splits from one query, then Bucketizer's comparisons (custom).

The fit is one query that, per column, sorts the non-missing values once and gathers the ranks ceil(j/k * n)
(as RobustScaler does, computed in the query as the reference computes them), with the first missing row; the
distinct quantiles between -inf and inf are the splits (the reference's rule). The transform is Bucketizer's
expression with those splits.
"""

import polars as pl

from src.engines.numpy.operators.quantile_discretizer import (
    discretizer_splits,
    quantile_probabilities,
    require_observed,
)

from ..table import Table, first_missing, require_values
from .bucketizer import bucket
from .robust_scaler import rank

IMPLEMENTATION = "custom"


def fit(data: Table, step) -> list:
    probabilities = quantile_probabilities(step.params["num_buckets"])
    stats = {}
    for c in step.input_cols:
        x = pl.col(c).filter(pl.col(c).is_not_null() & pl.col(c).is_not_nan())
        ranks = pl.concat_list([rank(p, x.len()) for p in probabilities]).explode()
        stats[c] = pl.struct(quantiles=x.sort().gather(ranks).implode(), observed=x.len(), missing=first_missing(c))
    found = data.compute(**stats).row(0, named=True)
    state = []
    for c in step.input_cols:
        if step.params["handle_invalid"] != "keep":
            require_values(found[c]["missing"], step.name, c)
        require_observed(found[c]["observed"], step.name, c)
        state.append(discretizer_splits(found[c]["quantiles"]))
    return state


def transform(data: Table, state: list, step) -> Table:
    return data.with_columns({name: bucket(pl.col(col), splits)
                              for name, col, splits in zip(step.output_cols, step.input_cols, state)})
