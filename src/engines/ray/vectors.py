"""The plumbing that maps columns of a Ray Dataset batch by batch. Vectors stay sparse, in the Arrow layout of
src/bench/data/vectors.py, one column per output name so selecting and materialising outputs stays by name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa


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
