"""StandardScaler: z = (x - mean) / population std; a constant column gives 0 (custom).

Polars has no ML preprocessing library, so every operator here is custom, built from lazy expressions. The fit
is one query of each column's mean, std(ddof=0) (the population std), min, max and first missing row; the
transform is one arithmetic expression per column. As in the reference, a std within rounding of 0 on a column
whose min equals its max (0.1 seven times) counts as constant.
"""

import polars as pl

from ..table import Table, first_missing, require_values

IMPLEMENTATION = "custom"


def fit(data: Table, step) -> list[tuple[float, float]]:
    stats = data.compute(**{
        c: pl.struct(mean=pl.col(c).mean(), std=pl.col(c).std(ddof=0), min=pl.col(c).min(), max=pl.col(c).max(),
                     missing=first_missing(c))
        for c in step.input_cols
    }).row(0, named=True)
    state = []
    for c in step.input_cols:
        s = stats[c]
        require_values(s["missing"], step.name, c)
        constant = s["std"] <= 1e-9 * abs(s["mean"]) and s["min"] == s["max"]
        state.append((s["mean"], 0.0 if constant else s["std"]))
    return state


def transform(data: Table, state: list[tuple[float, float]], step) -> Table:
    with_mean, with_std = step.params["with_mean"], step.params["with_std"]
    out = {}
    for name, col, (mean, std) in zip(step.output_cols, step.input_cols, state):
        x = pl.col(col)
        if with_std and std == 0:
            out[name] = pl.lit(0.0, dtype=pl.Float64)
        else:
            out[name] = (x - mean if with_mean else x) * (1.0 / std if with_std else 1.0)
    return data.with_columns(out)
