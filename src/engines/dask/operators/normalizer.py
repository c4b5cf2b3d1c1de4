"""Normalizer: each row of the input columns divided by its p-norm, one vector column (custom: dask-ml has no
Normalizer).

A `map_partitions` over the input columns: the partition's rows as one numpy block, divided by their norms with
the reference's kernel (src/engines/numpy/kernels.py, `np.linalg.norm`; a zero row left at zero), and written as
dense vectors in prepbench's vector layout (src/bench/data/vectors.py).
"""

import dask.dataframe as dd
import numpy as np
import pandas as pd

from src.bench.data.vectors import from_dense
from src.engines.numpy.kernels import unit_rows

from ..columns import VECTORS, meta, series

IMPLEMENTATION = "custom"


def normalized(part: pd.DataFrame, p: float, name: str) -> pd.Series:
    rows = unit_rows(part.to_numpy(dtype=np.float64, na_value=np.nan), p)
    return series(from_dense(rows), part.iloc[:, 0]).rename(name)


def transform(data: dd.DataFrame, state, step) -> dd.DataFrame:
    output = step.output_cols[0]
    vectors = data[list(step.input_cols)].map_partitions(normalized, step.params["p"], output,
                                                          meta=meta(output, VECTORS))
    return data.assign(**{output: vectors})
