"""Normalizer: each row of the input columns divided by its p-norm, one vector column (custom: dask-ml has no
Normalizer).

A `map_partitions` over the input columns: the partition's rows as one numpy block, divided by their norms with
the reference's kernel (src/engines/numpy/kernels.py, `np.linalg.norm`; a zero row left at zero), and written as
dense vectors in prepbench's vector layout (src/bench/data/vectors.py).
"""

import dask.dataframe as dd

from src.engines.numpy.kernels import unit_rows

from ..columns import dense_rows

IMPLEMENTATION = "custom"


def transform(data: dd.DataFrame, state, step) -> dd.DataFrame:
    return dense_rows(data, step, unit_rows, step.params["p"])
