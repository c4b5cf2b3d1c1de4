"""OneHotEncoder: Ray's own OneHotEncoder, one per column, with StringIndexer's null adapter and a sparse output
(native+adapter); unseen or null -> zeros.

Ray's OneHotEncoder fits as its OrdinalEncoder does (pandas `value_counts` per block, the distinct values numbered
in Python's `sorted` order: code point order for strings, numeric for integer, boolean and index columns). Its
Arrow transform places each value with `pc.index_in` and writes a dense rows x K uint8 matrix per batch, a
`fixed_size_list<uint8>[K]` per row, all zeros for an unseen value. It refuses a null (or NaN) at fit and at
transform, cannot write K = 0 (an Arrow fixed-size list needs a size above 0), and its dense rows are not the
canonical sparse vector.

The adapter: the fit and the null fill of StringIndexer's adapter (string_indexer.py: each encoder fitted on its
column's non-null rows, so null is not counted in K; null and NaN replaced by a sentinel above every category,
which Ray encodes as unseen: all zeros). After each column's Ray transform an Arrow `map_batches` (fused with it)
turns each dense row into the sparse vector struct (src/bench/data/vectors.py) with its 1 where Ray put it, so a
batch holds one column's dense rows at a time. A column whose fitted rows are all null skips Ray's transform and
gets zero-width rows. Memory: Ray's dense batch is rows x K bytes, a whole block by default (at K = 10,000 a
2.5e6-row block is 25 GB), so its transform is given batches of at most DENSE_BATCH_BYTES, as a user of Ray's
encoder at a large K must (and of at most MAX_BATCH_ROWS, so that a small K splits blocks instead of bundling
them). At K = 20 and 1e6 rows the bound cost nothing measurable: 0.93 s with it, 0.92 s with whole blocks
(benchmarks/overhead.py, 31 pairs each).
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from ray.data.preprocessors import OneHotEncoder

from src.bench.data.vectors import vector_array

from ..vectors import map_columns
from .string_indexer import fill_nulls, fit_encoders

IMPLEMENTATION = "native+adapter"
DENSE_BATCH_BYTES = 64 * 2**20  # of Ray's dense one-hot rows per batch (K bytes a row)
MAX_BATCH_ROWS = 65_536


def fit(ds, step):
    return fit_encoders(ds, step, OneHotEncoder)


def transform(ds, fitted, step):
    ds = fill_nulls(ds, fitted, step)
    for out, (encoder, _, width) in zip(step.output_cols, fitted):
        if width:  # Ray's OneHotEncoder cannot write K = 0
            ds = encoder.transform(ds, batch_size=max(1, min(DENSE_BATCH_BYTES // width, MAX_BATCH_ROWS)))
        ds = map_columns(ds, [out], [out], _sparse, [width])  # sparse before the next column's dense batch
    return ds


def _sparse(column: pa.ChunkedArray, width: int) -> pa.StructArray:
    """Ray's dense 0/1 rows as sparse vectors (each row holds at most one 1); width 0: empty rows."""
    n = len(column)
    if not width:
        return vector_array(np.zeros(n + 1), np.zeros(0), np.zeros(0), 0)
    rows, cols = np.nonzero(pc.list_flatten(column).to_numpy().reshape(n, width))
    return vector_array(np.searchsorted(rows, np.arange(n + 1)), cols, np.ones(len(cols)), width)
