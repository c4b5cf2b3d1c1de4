"""OneHotEncoder, tuned: a K-wide 0/1 sparse vector over the sorted distinct non-null training values; unseen or
null -> zeros.

Faster than stock: the sparse vectors are written from each row's position, where Ray's OneHotEncoder fills a
dense K-wide uint8 list per row (K bytes a row) that stock then scans for its 1; the fit is the one aggregate.

custom: the K categories come from StringIndexer's aggregate (string_indexer.py: code point order for strings,
numeric order for integer and boolean columns and for StringIndexer's index columns; null never a category, so
not counted in K), and an Arrow `map_batches` places each row with `pc.index_in` and writes the sparse vector
struct: null and unseen rows are empty. A column whose fitted rows are all null has K = 0 (zero-width rows).
"""

import numpy as np
import pyarrow as pa

from src.bench.data.vectors import vector_array

from ..vectors import map_columns
from .string_indexer import fit_categories, positions

IMPLEMENTATION = "custom"


def fit(ds, step):
    return fit_categories(ds, step)


def transform(ds, state, step):
    return map_columns(ds, step.input_cols, step.output_cols, _encode, state)


def _encode(column: pa.ChunkedArray, categories: pa.Array | None) -> pa.StructArray:
    position = positions(column, categories).fill_null(-1).to_numpy()
    return _one_hot(position, 0 if categories is None else len(categories))


def _one_hot(position: np.ndarray, width: int) -> pa.StructArray:
    """Rows with a 1.0 at `position`, or empty where the position is -1."""
    seen = position >= 0
    offsets = np.concatenate([[0], np.cumsum(seen)])
    return vector_array(offsets, position[seen], np.ones(int(seen.sum())), width)
