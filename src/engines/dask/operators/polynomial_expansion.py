"""PolynomialExpansion: every product of the inputs of degree 1..degree in scikit-learn's order, one vector
column (custom).

dask-ml's PolynomialFeatures is scikit-learn's run per block, and returns the terms as columns of a frame (or a
dask array of unknown chunk sizes) that would still have to be packed into a vector per row. Instead one
`map_partitions`: the partition's inputs as a numpy matrix, the terms by the reference's kernel
(src/engines/numpy/kernels.py), written as dense vectors in prepbench's layout.
"""

import dask.dataframe as dd
import numpy as np
import pandas as pd

from src.bench.data.vectors import from_dense
from src.engines.numpy.kernels import polynomial_terms

from ..columns import VECTORS, meta, series

IMPLEMENTATION = "custom"


def expanded(part: pd.DataFrame, degree: int, name: str) -> pd.Series:
    terms = polynomial_terms(part.to_numpy(dtype=np.float64, na_value=np.nan), degree)
    return series(from_dense(terms), part.iloc[:, 0]).rename(name)


def transform(data: dd.DataFrame, state, step) -> dd.DataFrame:
    output = step.output_cols[0]
    vectors = data[list(step.input_cols)].map_partitions(expanded, step.params["degree"], output,
                                                          meta=meta(output, VECTORS))
    return data.assign(**{output: vectors})
