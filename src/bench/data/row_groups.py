"""A Parquet input as its row groups in file order, each numbered from the footers' row counts, so that engines
reading them in parallel tasks (Ray's, Dask's) give every row its position in the input without a pass over it.

The footers' sizes count encoded bytes, which dictionary pages make several times smaller than the Arrow columns
(ctr's row groups: 56 MiB in the footer, 330 MB decoded), so a row's size in memory comes from decoding the first
rows instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import pyarrow as pa

HEAD_ROWS = 1000  # decoded to measure a row's bytes


class RowGroup(NamedTuple):
    """One Parquet row group: its file, its first row's position in the input, its rows, how many rows each table
    read from it holds, and its size in memory."""

    path: str
    group: int
    start: int
    rows: int
    batch_rows: int
    size_bytes: int


def row_groups(path, filesystem, schema: pa.Schema, batch_bytes: int | None = None) -> list[RowGroup]:
    """Every row group of the files in pyarrow's order (the reference's), read whole or, with `batch_bytes`, in
    tables of about that many decoded bytes, a row's size measured once by decoding the first rows (without
    `batch_bytes` nothing is decoded: sizes are the footers')."""
    import pyarrow.dataset as pads

    dataset = pads.dataset(path, filesystem=filesystem, format="parquet")
    pieces, start, row_bytes = [], 0, 0.0
    for fragment in dataset.get_fragments():
        fragment.ensure_complete_metadata()
        for group in fragment.row_groups:
            if batch_bytes and not row_bytes and group.num_rows:
                row_bytes = _row_bytes(fragment.path, filesystem, group.id, schema)
            rows = group.num_rows
            if row_bytes:
                rows = max(1, min(rows, int(batch_bytes // row_bytes)))
            pieces.append(RowGroup(fragment.path, group.id, start, group.num_rows, rows,
                                   int(row_bytes * group.num_rows) or group.total_byte_size))
            start += group.num_rows
    return pieces


def _row_bytes(path: str, filesystem, group: int, schema: pa.Schema) -> float:
    """The decoded bytes of a row, from the first HEAD_ROWS of a row group. (A dataset's `head` read whole row
    groups of several files ahead: 842 MiB and 6 s for 1,000 rows of ctr, in the engine's process.)"""
    import pyarrow.parquet as pq

    with pq.ParquetFile(path, filesystem=filesystem) as file:
        batch = next(file.iter_batches(batch_size=HEAD_ROWS, row_groups=[group], columns=schema.names))
    return batch.nbytes / batch.num_rows if batch.num_rows else 0.0


def row_group_tables(filesystem, schema: pa.Schema, piece: RowGroup, row_column: str) -> Iterator[pa.Table]:
    """The row group's tables with the schema's columns and types, and `row_column`: each row's position."""
    import pyarrow.parquet as pq

    start = piece.start
    with pq.ParquetFile(piece.path, filesystem=filesystem) as file:
        for batch in file.iter_batches(batch_size=piece.batch_rows, row_groups=[piece.group], columns=schema.names):
            table = pa.Table.from_batches([batch], batch.schema).select(schema.names).cast(schema)
            yield with_positions(table, start, row_column)
            start += table.num_rows


def with_positions(table: pa.Table, start: int, row_column: str) -> pa.Table:
    """The table with `row_column`: its rows' positions from `start`."""
    import numpy as np

    return table.append_column(row_column, pa.array(np.arange(start, start + table.num_rows, dtype=np.int64)))
