"""MinMaxScaler: (x - min) / (max - min) mapped onto [lo, hi]; a constant column gives lo (custom).

Polars has no ML preprocessing library: the fit is one query of each column's min, max and first missing row,
the transform one arithmetic expression per column, (x - min) * ((hi - lo) / (max - min)) + lo as in the
reference. New values outside the fitted range are not clipped.
"""

import polars as pl

from ..table import Table, first_missing, require_values

IMPLEMENTATION = "custom"


def fit(data: Table, step) -> list[tuple[float, float]]:
    stats = data.compute(**{
        c: pl.struct(min=pl.col(c).min(), max=pl.col(c).max(), missing=first_missing(c)) for c in step.input_cols
    }).row(0, named=True)
    for c in step.input_cols:
        require_values(stats[c]["missing"], step.name, c)
    return [(stats[c]["min"], stats[c]["max"]) for c in step.input_cols]


def transform(data: Table, state: list[tuple[float, float]], step) -> Table:
    lo, hi = step.params["min"], step.params["max"]
    out = {}
    for name, col, (mn, mx) in zip(step.output_cols, step.input_cols, state):
        out[name] = (pl.col(col) - mn) * ((hi - lo) / (mx - mn)) + lo if mx > mn else pl.lit(lo, dtype=pl.Float64)
    return data.with_columns(out)
