"""StringIndexer: index = rank among the sorted (code point) distinct training values; unseen -> null."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

IMPLEMENTATION = "native"


def sorted_categories(values: pa.Array) -> pa.Array:
    """Distinct non-null values sorted by code point (UTF-8 byte order is code point order)."""
    distinct = pc.unique(values).drop_null()
    return distinct.take(pc.sort_indices(distinct))


def fit(frame, step):
    return [sorted_categories(frame[c]) for c in step.input_cols]


def transform(frame, state, step):
    out = {}
    for name, col, categories in zip(step.output_cols, step.input_cols, state):
        index = pc.index_in(frame[col], value_set=categories)
        out[name] = index.cast(pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
    return frame.with_columns(out)
