"""Imputer: nulls and NaN replaced by the mean, lower median, smallest mode or a constant (custom).

Polars has no ML preprocessing library: the fit is one query over every input column's observed values (NaN
turned into null, then dropped): `mean()`; `quantile(0.5, "lower")`, which takes the value at position
floor(0.5 (n - 1)) of the sorted values, i.e. x_(ceil(n/2)), the lower median (1 2 3 4 -> 2; Polars' `median()`
would average the middle two); `mode().min()` (`mode()` returns every most frequent value, so ties go to the
smallest). constant has nothing to fit. The transform is `fill_nan(None).fill_null(statistic)`.
"""

import polars as pl

from src.bench.errors import UserError

from ..table import Table

IMPLEMENTATION = "custom"
STATISTICS = {
    "mean": lambda observed: observed.mean(),
    "median": lambda observed: observed.quantile(0.5, interpolation="lower"),
    "mode": lambda observed: observed.mode().min(),
}


def _observed(column: str) -> pl.Expr:
    return pl.col(column).fill_nan(None)


def fit(data: Table, step) -> list[float]:
    strategy = step.params["strategy"]
    if strategy == "constant":
        return [step.params["fill_value"]] * len(step.input_cols)
    statistic = STATISTICS[strategy]
    stats = data.compute(**{c: statistic(_observed(c).drop_nulls()) for c in step.input_cols}).row(0, named=True)
    for c in step.input_cols:
        if stats[c] is None:
            raise UserError(f"Imputer: column '{c}' has no non-null values, so there is nothing to impute from")
    return [stats[c] for c in step.input_cols]


def transform(data: Table, state: list[float], step) -> Table:
    return data.with_columns(
        {name: _observed(col).fill_null(fill) for name, col, fill in zip(step.output_cols, step.input_cols, state)}
    )
