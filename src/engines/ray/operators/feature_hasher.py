"""FeatureHasher: Spark's FeatureHasher on each block with the reference's kernel (custom).

Ray's FeatureHasher hashes only column names, with SHA-256, sums the cells of numeric (token-count) columns and
writes a dense list per row; it has no string handling. One Arrow map_batches over whole blocks runs
src/engines/numpy/feature_hashing.py instead (murmur3 seed 42 of `c=value` or of the column name) and writes the
sparse vectors in prepbench's layout.
"""

import numpy as np
import pyarrow as pa

from src.bench.data.vectors import from_csr
from src.bench.spec.operators import STRING
from src.engines.numpy.feature_hashing import hashed_features

IMPLEMENTATION = "custom"


def transform(ds, state, step):
    inputs, output, n = list(step.input_cols), step.output_cols[0], step.params["num_features"]
    strings = [kind == STRING for kind in step.input_kinds]

    def hash_block(batch: pa.Table) -> pa.Table:
        columns = [batch.column(c) if s else batch.column(c).to_numpy().astype(np.float64)
                   for c, s in zip(inputs, strings)]
        return batch.append_column(output, from_csr(hashed_features(columns, inputs, strings, n, batch.num_rows)))

    return ds.map_batches(hash_block, batch_format="pyarrow", batch_size=None, zero_copy_batch=True)
