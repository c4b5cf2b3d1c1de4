"""PolynomialExpansion: every product of the inputs of degree 1..degree in scikit-learn's order, one vector
column (custom).

dask-ml's PolynomialFeatures is scikit-learn's run per block, and returns the terms as columns of a frame (or a
dask array of unknown chunk sizes) that would still have to be packed into a vector per row. Instead one
`map_partitions`: the partition's inputs as a numpy matrix, the terms by the reference's kernel
(src/engines/numpy/kernels.py), written as dense vectors in prepbench's layout.
"""

import dask.dataframe as dd

from src.engines.numpy.kernels import polynomial_terms

from ..columns import dense_rows

IMPLEMENTATION = "custom"


def transform(data: dd.DataFrame, state, step) -> dd.DataFrame:
    return dense_rows(data, step, polynomial_terms, step.params["degree"])
