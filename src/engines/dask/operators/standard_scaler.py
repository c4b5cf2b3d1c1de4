"""StandardScaler: dask-ml's StandardScaler(with_mean, with_std), with columns constant at fit set to 0
(native+adapter; native with with_std=false).

dask-ml fits with `nanmean` and `nanvar` (ddof 0: the population std, as the definition asks) in one compute and
transforms lazily, `(x - mean_) / scale_`. The adapter: dask-ml gives a column constant at fit scale 1 (or a
scale of rounding noise, 0.1 seven times), so it would output x - mean (or x); the canonical output is 0. A column
is constant when its min equals its max, which the check for missing values computes in the same pass (dask-ml's
nan-aggregates skip missing values, which the scalers refuse). The fitted transform runs on each partition
(columns.py, `per_partition`).
"""

import dask.dataframe as dd
from dask_ml.preprocessing import StandardScaler

from ..columns import per_partition, require_values

IMPLEMENTATION = "native+adapter"


def label(step) -> str:
    return IMPLEMENTATION if step.params["with_std"] else "native"


def fit(data: dd.DataFrame, step) -> tuple[StandardScaler, list[bool]]:
    columns = list(step.input_cols)
    ranges = require_values(data, columns, step.name)
    scaler = StandardScaler(with_mean=step.params["with_mean"], with_std=step.params["with_std"]).fit(data[columns])
    return scaler, [low == high for low, high in ranges.values()]


def transform(data: dd.DataFrame, state: tuple[StandardScaler, list[bool]], step) -> dd.DataFrame:
    scaler, constant = state
    scaled = per_partition(scaler, data, step)
    out = {}
    for name, flat in zip(step.output_cols, constant):
        out[name] = 0.0 if flat and scaler.with_std else scaled[name]
    return data.assign(**out)
