"""RobustScaler: (x - Q(0.5)) / (Q(upper) - Q(lower)) with exact quantiles Q(p) = x_(ceil(p*n)); IQR 0 gives 0
(custom).

Polars' `quantile(p, "lower")` takes the element at floor((n - 1) * p), which is not always x_(ceil(p*n))
(n = 4, p = 0.3: x_(1) against x_(2)); so the fit is one query that sorts each column once and gathers the three
ranks, computed in the query as the reference computes them (the float64 product p * n, rounded up, at least 1),
with each column's first missing row. The transform is (x - median) * (1 / IQR).
"""

import polars as pl

from ..table import Table, first_missing, require_values

IMPLEMENTATION = "custom"


def rank(p: float, n: pl.Expr | None = None) -> pl.Expr:
    """The 0-based position of Q(p) among n (default: all rows) sorted values."""
    return (((pl.len() if n is None else n).cast(pl.Float64) * p).ceil().clip(lower_bound=1) - 1).cast(pl.Int64)


def fit(data: Table, step) -> list[tuple[float, float, float]]:
    probabilities = [0.5, step.params["lower"], step.params["upper"]]
    stats = data.compute(**{
        c: pl.struct(quantiles=pl.col(c).sort().gather(pl.concat_list([rank(p) for p in probabilities]).explode())
                     .implode(), missing=first_missing(c))
        for c in step.input_cols
    }).row(0, named=True)
    for c in step.input_cols:
        require_values(stats[c]["missing"], step.name, c)
    return [tuple(stats[c]["quantiles"]) for c in step.input_cols]


def transform(data: Table, state: list[tuple[float, float, float]], step) -> Table:
    centering, scaling = step.params["with_centering"], step.params["with_scaling"]
    out = {}
    for name, col, (median, low, high) in zip(step.output_cols, step.input_cols, state):
        if scaling and high == low:
            out[name] = pl.lit(0.0, dtype=pl.Float64)
        else:
            out[name] = (pl.col(col) - (median if centering else 0.0)) * (1.0 / (high - low) if scaling else 1.0)
    return data.with_columns(out)
