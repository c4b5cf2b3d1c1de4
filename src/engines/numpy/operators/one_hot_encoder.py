"""OneHotEncoder: a K-wide 0/1 sparse row over the sorted distinct training values; unseen or null -> zeros."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from .string_indexer import sorted_categories

IMPLEMENTATION = "native"


def fit(frame, step):
    return [_categories(frame[c]) for c in step.input_cols]


def _categories(values):
    if isinstance(values, np.ndarray):  # an index column: numbers sort numerically
        return np.unique(values[~np.isnan(values)])
    return sorted_categories(values)


def _positions(values, categories) -> np.ndarray:
    """Category position (int32) of each row, -1 for unseen or null."""
    if isinstance(values, np.ndarray):
        pos = np.searchsorted(categories, values)
        found = (pos < len(categories)) & (categories[np.minimum(pos, len(categories) - 1)] == values)
        return np.where(found, pos, -1).astype(np.int32)
    index = pc.index_in(values, value_set=categories).fill_null(-1)
    return index.cast(pa.int32()).to_numpy(zero_copy_only=False)


def transform(frame, state, step):
    """CSR with int32 indices (and row pointers, below 2^31 rows): the output stays near twice the input."""
    out = {}
    for name, col, categories in zip(step.output_cols, step.input_cols, state):
        pos = _positions(frame[col], categories)
        seen = pos >= 0
        indptr = np.zeros(frame.n_rows + 1, dtype=np.int32 if frame.n_rows < 2**31 else np.int64)
        np.cumsum(seen, out=indptr[1:])
        out[name] = sp.csr_matrix(
            (np.ones(int(indptr[-1])), pos[seen], indptr), shape=(frame.n_rows, len(categories))
        )
    return frame.with_columns(out)
