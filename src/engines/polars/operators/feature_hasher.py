"""FeatureHasher: Spark's FeatureHasher with the reference's kernel in `map_batches` (custom: Polars has no
FeatureHasher, and its own `hash` is not MurmurHash3).

The input columns go to the kernel (src/engines/numpy/feature_hashing.py: murmur3 seed 42 of `c=value` or of the
column name, nulls skipped, collisions summed) as one struct per batch, and come back as prepbench's sparse vector
struct.
"""

import numpy as np
import polars as pl

from src.bench.data.vectors import from_csr
from src.bench.spec.operators import STRING
from src.engines.numpy.feature_hashing import hashed_features

from ..table import Table

IMPLEMENTATION = "custom"
VECTOR = pl.Struct({"size": pl.Int32, "indices": pl.List(pl.Int32), "values": pl.List(pl.Float64)})


def transform(data: Table, state, step) -> Table:
    inputs, n = list(step.input_cols), step.params["num_features"]
    strings = [kind == STRING for kind in step.input_kinds]

    def hash_batch(rows: pl.Series) -> pl.Series:
        frame = rows.struct.unnest()
        columns = [frame[c].to_arrow() if s else frame[c].cast(pl.Float64).fill_null(np.nan).to_numpy()
                   for c, s in zip(inputs, strings)]
        return pl.Series(from_csr(hashed_features(columns, inputs, strings, n, len(frame))))

    hashed = pl.struct(inputs).map_batches(hash_batch, return_dtype=VECTOR, is_elementwise=True)
    return data.with_columns({step.output_cols[0]: hashed})
