"""FeatureHasher: Spark's FeatureHasher by a vectorised Python function over the reference's kernel (custom:
DuckDB has no ML preprocessing library, and its `hash` is not MurmurHash3).

The function (Arrow in, Arrow out, once per chunk of rows) takes the input columns packed in one struct (DuckDB
counts a Python function's parameters from its signature), strings as VARCHAR and numbers as DOUBLE, and runs
src/engines/numpy/feature_hashing.py (murmur3 seed 42 of `c=value` or of the column name, nulls and NaN skipped,
collisions summed), returning prepbench's sparse vector struct. The column names and num_features are part of the
function, so it is registered under a name of its own per step.
"""

import zlib

import numpy as np
import pyarrow as pa

from src.bench.data.vectors import from_csr
from src.bench.spec.operators import STRING
from src.bench.spec.plan import Step
from src.engines.numpy.feature_hashing import hashed_features

from ..query import Query

IMPLEMENTATION = "custom"
VECTOR_SQL = 'STRUCT(size INTEGER, indices INTEGER[], "values" DOUBLE[])'


def transform(data: Query, state: None, step: Step) -> Query:
    inputs, n = list(step.input_cols), step.params["num_features"]
    strings = [kind == STRING for kind in step.input_kinds]
    types = ["VARCHAR" if s else "DOUBLE" for s in strings]

    def hasher(rows: pa.StructArray) -> pa.Array:
        rows = rows.combine_chunks() if isinstance(rows, pa.ChunkedArray) else rows
        values = [rows.field(j) if s else np.asarray(rows.field(j).to_numpy(zero_copy_only=False), dtype=np.float64)
                  for j, s in enumerate(strings)]
        return from_csr(hashed_features(values, inputs, strings, n, len(rows)))

    hasher.__name__ = f"prepbench_feature_hasher_{zlib.crc32(repr((inputs, strings, n)).encode()):08x}"
    row_type = f"STRUCT({', '.join(f'f{j} {t}' for j, t in enumerate(types))})"
    name = data.session.function(hasher, [row_type], VECTOR_SQL)
    fields = ", ".join(f"f{j} := {data.col(c)}::{t}" for j, (c, t) in enumerate(zip(inputs, types)))
    return data.with_columns({step.output_cols[0]: f"{name}(struct_pack({fields}))"}, {step.output_cols[0]: n})
