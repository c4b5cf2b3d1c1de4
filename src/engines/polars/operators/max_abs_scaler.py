"""MaxAbsScaler: x / max|x| per column; an all-zero column gives 0 (custom: Polars has no preprocessing library).

The fit is one query of each column's largest |x| and first missing row; the transform one division per column
(by 1 for an all-zero column).
"""

import polars as pl

from ..table import Table, first_missing, require_values

IMPLEMENTATION = "custom"


def fit(data: Table, step) -> list[float]:
    stats = data.compute(**{
        c: pl.struct(max_abs=pl.col(c).abs().max(), missing=first_missing(c)) for c in step.input_cols
    }).row(0, named=True)
    for c in step.input_cols:
        require_values(stats[c]["missing"], step.name, c)
    return [stats[c]["max_abs"] or 1.0 for c in step.input_cols]


def transform(data: Table, state: list[float], step) -> Table:
    return data.with_columns({name: pl.col(col).cast(pl.Float64) / scale
                              for name, col, scale in zip(step.output_cols, step.input_cols, state)})
