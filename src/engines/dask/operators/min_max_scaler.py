"""MinMaxScaler: dask-ml's MinMaxScaler(feature_range=(min, max)), with columns constant at fit set to min
(native+adapter).

dask-ml fits each column's min and max in one compute and transforms lazily, `x * scale_ + min_`, scikit-learn's
formula (within tolerance while |min| / (max - min) < 1e4, see docs/operators.md). The adapter: dask-ml divides a
constant column's zero range by 1, so new data would come out as min + (x - c) * (max - min); the canonical output
is min for every row. dask-ml's min and max skip missing values, which the scalers refuse: the check runs first.
The fitted transform runs on each partition (columns.py, `per_partition`).
"""

import dask.dataframe as dd
from dask_ml.preprocessing import MinMaxScaler

from ..columns import per_partition, require_values

IMPLEMENTATION = "native+adapter"


def fit(data: dd.DataFrame, step) -> MinMaxScaler:
    columns = list(step.input_cols)
    require_values(data, columns, step.name)
    return MinMaxScaler(feature_range=(step.params["min"], step.params["max"])).fit(data[columns])


def transform(data: dd.DataFrame, state: MinMaxScaler, step) -> dd.DataFrame:
    scaled = per_partition(state, data, step)
    lo = float(step.params["min"])
    out = {}
    for name, col in zip(step.output_cols, step.input_cols):
        out[name] = lo if state.data_range_[col] == 0 else scaled[name]
    return data.assign(**out)
