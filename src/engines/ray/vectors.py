"""Sparse vectors inside Ray Datasets, and the shared plumbing that maps columns batch by batch.

A vector column is one Arrow struct column `{size: int32, indices: list<int32>, values: list<float64>}` per
row: the same layout `--save-output` writes, sparse end to end (a 2^18-wide HashingTF row costs only its
non-zero entries), and one column per output name so selecting and materialising outputs stays by name.
Within a row the indices are sorted and distinct.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

VECTOR_TYPE = pa.struct(
    [("size", pa.int32()), ("indices", pa.list_(pa.int32())), ("values", pa.list_(pa.float64()))]
)


def vector_array(offsets: np.ndarray, indices: np.ndarray, values: np.ndarray, size: int) -> pa.StructArray:
    """A vector column from CSR parts: row i holds indices[offsets[i]:offsets[i+1]] with their values."""
    offsets = pa.array(np.asarray(offsets, dtype=np.int32))
    n = len(offsets) - 1
    return pa.StructArray.from_arrays(
        [
            pa.array(np.full(n, size, dtype=np.int32)),
            pa.ListArray.from_arrays(offsets, pa.array(np.asarray(indices, dtype=np.int32))),
            pa.ListArray.from_arrays(offsets, pa.array(np.asarray(values, dtype=np.float64))),
        ],
        fields=list(VECTOR_TYPE),
    )


def vector_parts(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(offsets, indices, values, size) of a vector column; the inverse of `vector_array`."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], VECTOR_TYPE)
    indices, values = column.field("indices"), column.field("values")
    offsets = indices.offsets.to_numpy().astype(np.int64)
    size = column.field("size")[0].as_py() if len(column) else 0
    return offsets - offsets[0], pc.list_flatten(indices).to_numpy(), pc.list_flatten(values).to_numpy(), size


def to_csr(column: pa.Array | pa.ChunkedArray) -> sp.csr_matrix:
    offsets, indices, values, size = vector_parts(column)
    return sp.csr_matrix((values, indices, offsets), shape=(len(offsets) - 1, size))


def map_columns(ds, sources: Sequence[str], targets: Sequence[str], fn: Callable[[pa.ChunkedArray, Any], pa.Array],
                states: Sequence[Any]):
    """Set each target column to `fn(source column, state)` in one Arrow `map_batches` over whole blocks.

    A target that already exists is replaced in place (adapters rewrite a native operator's output)."""
    triples = list(zip(sources, targets, states))

    def apply(batch: pa.Table) -> pa.Table:
        for source, target, state in triples:
            column = fn(batch.column(source), state)
            where = batch.schema.get_field_index(target)
            batch = batch.set_column(where, target, column) if where >= 0 else batch.append_column(target, column)
        return batch

    return ds.map_batches(apply, batch_format="pyarrow", batch_size=None, zero_copy_batch=True)
