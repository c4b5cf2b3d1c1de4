"""OneHotEncoder: a K-wide 0/1 sparse vector over the sorted distinct training values; unseen or null -> zeros.

String input: Ray's own OneHotEncoder (sorted categories, unseen -> all zeros), whose output is a dense
fixed_size_list<uint8>[K] per row; an Arrow map_batches turns it into the sparse vector struct
(native+adapter); like StringIndexer it refuses a null string (outside the input rules). Index input
(StringIndexer output, null for unseen): Ray's encoder refuses nulls, so the categories come from one custom
aggregate of distinct values and pc.index_in places each row (custom).
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from ray.data.preprocessors import OneHotEncoder

from src.bench.spec.operators import INDEX

from ..aggregates import DistinctValues
from ..vectors import map_columns, vector_array

IMPLEMENTATION = "native+adapter"


def label(step) -> str:
    return "custom" if _index_input(step) else IMPLEMENTATION


def _index_input(step) -> bool:
    return step.input_kinds[0] == INDEX


def fit(ds, step):
    if _index_input(step):
        aggregates = [DistinctValues(c) for c in step.input_cols]
        stats = ds.aggregate(*aggregates)
        return [pa.array(np.asarray(stats[a.name], dtype=np.int64)) for a in aggregates]
    return OneHotEncoder(columns=list(step.input_cols), output_columns=list(step.output_cols)).fit(ds)


def transform(ds, state, step):
    if _index_input(step):
        return map_columns(ds, step.input_cols, step.output_cols, _encode, state)
    dense = state.transform(ds)
    outputs = step.output_cols
    return map_columns(dense, outputs, outputs, _sparse, [None] * len(outputs))


def _encode(column: pa.ChunkedArray, categories: pa.Array) -> pa.StructArray:
    position = pc.index_in(column.cast(pa.int64()), value_set=categories).fill_null(-1)
    return _one_hot(position.to_numpy(), len(categories))


def _sparse(column: pa.ChunkedArray, _state) -> pa.StructArray:
    width = column.type.list_size
    dense = pc.list_flatten(column).to_numpy().reshape(len(column), width)
    return _one_hot(np.where(dense.any(axis=1), dense.argmax(axis=1), -1), width)


def _one_hot(position: np.ndarray, width: int) -> pa.StructArray:
    """Rows with a 1.0 at `position`, or empty where the position is -1."""
    seen = position >= 0
    offsets = np.concatenate([[0], np.cumsum(seen)])
    return vector_array(offsets, position[seen], np.ones(int(seen.sum())), width)
