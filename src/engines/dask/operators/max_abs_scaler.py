"""MaxAbsScaler: x / max|x| per column; an all-zero column gives 0 (custom: dask-ml has no MaxAbsScaler).

The fit is the scalers' one pass of each column's min and max with the check for missing values (columns.py,
`require_values`), max|x| = max(-min, max); the transform one lazy division per column (by 1 for an all-zero
column).
"""

import dask.dataframe as dd

from ..columns import require_values

IMPLEMENTATION = "custom"


def fit(data: dd.DataFrame, step) -> list[float]:
    ranges = require_values(data, list(step.input_cols), step.name)
    return [max(-low, high) or 1.0 for low, high in ranges.values()]


def transform(data: dd.DataFrame, state: list[float], step) -> dd.DataFrame:
    outputs = zip(step.output_cols, step.input_cols, state)
    return data.assign(**{name: data[col] / scale for name, col, scale in outputs})
