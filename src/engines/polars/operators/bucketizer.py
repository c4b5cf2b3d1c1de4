"""Bucketizer: the bucket is the number of inner splits at or below x (custom).

Polars' `cut` returns labels, not indices, and its search_sorted follows Polars' total order; plain `>=`
comparisons follow IEEE 754, so -0.0 counts as 0.0 and the last split s_k, not among the inner ones, stays in the
last bucket. A missing value (null or NaN) goes to bucket k with handle_invalid keep; invalid input (missing
values under error, values outside the splits) is refused by the reference check before the engine runs.
"""

import polars as pl

from ..table import Table

IMPLEMENTATION = "custom"


def bucket(x: pl.Expr, splits) -> pl.Expr:
    """The bucket of x among the splits; missing -> k (QuantileDiscretizer buckets with it too)."""
    inner = pl.sum_horizontal([(x >= s).cast(pl.Float64) for s in splits[1:-1]])
    return pl.when(x.is_null() | x.is_nan()).then(float(len(splits) - 1)).otherwise(inner)


def transform(data: Table, state, step) -> Table:
    splits = step.params["splits"]
    return data.with_columns({name: bucket(pl.col(col), splits)
                              for name, col in zip(step.output_cols, step.input_cols)})
