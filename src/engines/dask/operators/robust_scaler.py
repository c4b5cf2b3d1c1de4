"""RobustScaler: exact quantiles from one Dask aggregation of value counts (custom).

dask-ml's RobustScaler takes Dask's approximate percentiles and interpolates them, as scikit-learn does; the
canonical quantiles are exact order statistics x_(ceil(p*n)). So the fit checks for missing values (one pass,
columns.py), then computes every column's `value_counts()` in one go; this process reads the three ranks off
the cumulative counts of the sorted values. The transform is (x - median) * (1 / IQR), lazily; IQR 0 gives 0.
"""

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

from src.engines.numpy.kernels import counted_order_statistics

from ..columns import require_values

IMPLEMENTATION = "custom"


def fit(data: dd.DataFrame, step) -> list[list[float]]:
    columns = list(step.input_cols)
    require_values(data, columns, step.name)
    counts = dask.compute([data[c].value_counts() for c in columns])[0]
    probabilities = [0.5, step.params["lower"], step.params["upper"]]
    return [quantiles(found.sort_index(), probabilities) for found in counts]


def quantiles(counts: pd.Series, probabilities: list[float]) -> list[float]:
    return counted_order_statistics(counts.index.to_numpy(np.float64), counts.to_numpy(), probabilities)


def transform(data: dd.DataFrame, state: list[list[float]], step) -> dd.DataFrame:
    centering, scaling = step.params["with_centering"], step.params["with_scaling"]
    out = {}
    for name, col, (median, low, high) in zip(step.output_cols, step.input_cols, state):
        if scaling and high == low:
            out[name] = 0.0
        else:
            out[name] = (data[col] - (median if centering else 0.0)) * (1.0 / (high - low) if scaling else 1.0)
    return data.assign(**out)
