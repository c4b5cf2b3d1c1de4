"""PolynomialExpansion: every product of the inputs of degree 1..degree in scikit-learn's order, one vector
column (custom: Ray Data has no polynomial preprocessor).

One Arrow map_batches over whole blocks: the block's input columns as a numpy matrix, the terms by the reference's
kernel (src/engines/numpy/kernels.py, one multiplication per term), written as dense vectors in prepbench's layout.
"""

import numpy as np
import pyarrow as pa

from src.bench.data.vectors import from_dense
from src.engines.numpy.kernels import polynomial_terms

IMPLEMENTATION = "custom"


def transform(ds, state, step):
    inputs, output, degree = list(step.input_cols), step.output_cols[0], step.params["degree"]

    def expand(batch: pa.Table) -> pa.Table:
        x = np.column_stack([batch.column(c).to_numpy().astype(np.float64) for c in inputs])
        return batch.append_column(output, from_dense(polynomial_terms(x, degree)))

    return ds.map_batches(expand, batch_format="pyarrow", batch_size=None, zero_copy_batch=True)
