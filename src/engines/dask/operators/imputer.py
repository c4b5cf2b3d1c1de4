"""Imputer: dask-ml's SimpleImputer for mean and constant (native); median and mode from one Dask aggregation of
value counts (custom).

Nulls are NaN in the float64 columns, dask-ml's missing value. mean: `SimpleImputer(strategy="mean")`, the
columns' `mean()` in one compute; constant: `SimpleImputer(strategy="constant", fill_value)`; both transform with
`fillna(statistics_)`, on each partition (columns.py, `per_partition`). dask-ml cannot give the other two: its
median is Dask's `quantile()`, approximate (and it averages the middle values), and its most_frequent is
`value_counts().nlargest(1)`, which breaks ties by position, not by the smallest value. So one compute of every
column's `value_counts()` (NaN left out), and in this process: the lower median x_(ceil(n/2)) of the sorted values
by cumulative count, the mode as the smallest of the most frequent values; then `fillna`.
"""

import math

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask_ml.impute import SimpleImputer

from src.bench.errors import UserError

from ..columns import per_partition

IMPLEMENTATION = "native"
NATIVE = ("mean", "constant")


def label(step) -> str:
    return "native" if step.params["strategy"] in NATIVE else "custom"


def _median(counts: pd.Series) -> float:
    cumulative = counts.sort_index().cumsum()
    return float(cumulative.index[np.searchsorted(cumulative.to_numpy(), math.ceil(cumulative.iloc[-1] / 2))])


def _mode(counts: pd.Series) -> float:
    return float(counts[counts == counts.max()].index.min())


def fit(data: dd.DataFrame, step) -> tuple[SimpleImputer | None, list[float]]:
    """dask-ml's fitted imputer (None for median and mode) and each column's statistic."""
    strategy, columns = step.params["strategy"], list(step.input_cols)
    imputer = None
    if strategy in NATIVE:
        imputer = SimpleImputer(strategy=strategy, fill_value=step.params["fill_value"]).fit(data[columns])
        statistics = [float(imputer.statistics_[c]) for c in columns]
    else:
        counts = dask.compute([data[c].value_counts() for c in columns])[0]
        statistic = _median if strategy == "median" else _mode
        statistics = [statistic(found) if len(found) else math.nan for found in counts]
    for c, value in zip(columns, statistics):
        if math.isnan(value):
            raise UserError(f"Imputer: column '{c}' has no non-null values, so there is nothing to impute from")
    return imputer, statistics


def transform(data: dd.DataFrame, state: tuple[SimpleImputer | None, list[float]], step) -> dd.DataFrame:
    imputer, statistics = state
    filled = per_partition(imputer, data, step) if imputer is not None else None
    out = {}
    for name, col, fill in zip(step.output_cols, step.input_cols, statistics):
        out[name] = filled[name] if filled is not None else data[col].fillna(fill)
    return data.assign(**out)
