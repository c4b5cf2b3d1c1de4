"""OneHotEncoder: a K-wide 0/1 sparse row over the sorted distinct non-null fitted values; unseen or null -> zeros.

The K categories are numbered as in StringIndexer (code point order for strings, numeric order for integer and
boolean columns and for StringIndexer's index columns); null is never one of them, so it does not count in K.
"""

import numpy as np
import scipy.sparse as sp

from .string_indexer import categories, positions

IMPLEMENTATION = "native"


def fit(frame, step):
    return [categories(frame[c], kind, step.name, c) for c, kind in zip(step.input_cols, step.input_kinds)]


def transform(frame, state, step):
    """CSR with int32 indices (and row pointers, below 2^31 rows): the output stays near twice the input."""
    out = {}
    for name, col, found in zip(step.output_cols, step.input_cols, state):
        pos = positions(frame[col], found)
        seen = pos >= 0
        indptr = np.zeros(frame.n_rows + 1, dtype=np.int32 if frame.n_rows < 2**31 else np.int64)
        np.cumsum(seen, out=indptr[1:])
        out[name] = sp.csr_matrix(
            (np.ones(int(indptr[-1])), pos[seen], indptr), shape=(frame.n_rows, len(found))
        )
    return frame.with_columns(out)
