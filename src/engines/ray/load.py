"""Read the input into a materialised Ray Dataset whose rows carry their position in the input file.

Ray may hand blocks back in any order, so every row gets a ROW column (its 0-based position in file order)
and `collect` sorts by it. Two ways in:
- "pandas": the core's Arrow reader on the driver, then slices of that table become the blocks;
- "engine": reading in Ray tasks on the cluster's nodes, with the column types fixed by the source schema: a
  CSV file with Ray's read_csv, its blocks numbered in file order; Parquet one task per row group, which numbers
  its rows from the footers' counts. Ray Data's read_parquet (2.60) bin-packs row groups into read tasks out of
  file order even with preserve_order (10M rows in 11 row groups came back starting at row group 7), so its
  blocks cannot be numbered by their order; the tasks read the row groups with pyarrow, as its reader does
  (src/bench/data/row_groups.py).
  Under --memory-limit the same reads are a lazy Ray Data datasource (`NumberedParquet`), streamed.
Either way the data ends up in a few blocks per CPU, so every operator runs in parallel, never on one block.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pyarrow as pa
import ray
from ray.data.block import BlockMetadata
from ray.data.datasource import Datasource, ReadTask

from src.bench.data.inputs import InputSource, arrow_type, csv_options, read_arrow_table
from src.bench.data.row_groups import RowGroup, row_group_tables, row_groups, with_positions

ROW = "__row"
BLOCKS_PER_CPU = 2


def load_dataset(source: InputSource, columns: list[str], io_mode: str,
                 block_bytes: int | None = None) -> ray.data.MaterializedDataset:
    """The columns plus ROW, materialised in the object store in `num_blocks()` blocks (see `read_with_ray`)."""
    if io_mode == "pandas":
        return _read_on_driver(source, columns)
    return read_with_ray(source, columns, block_bytes).materialize()


def num_blocks() -> int:
    """Two blocks per CPU of the cluster, so both cores of a small machine and every node get work."""
    return max(2, BLOCKS_PER_CPU * int(ray.cluster_resources().get("CPU", 1)))


def _read_on_driver(source: InputSource, columns: list[str]) -> ray.data.MaterializedDataset:
    table = read_arrow_table(source, columns)
    table = with_positions(table, 0, ROW)
    step = max(1, -(-table.num_rows // num_blocks()))
    slices = [table.slice(start, step) for start in range(0, table.num_rows, step)] or [table]
    return ray.data.from_arrow(slices)


def read_with_ray(source: InputSource, columns: list[str], block_bytes: int | None = None) -> ray.data.Dataset:
    """The input read by Ray tasks, every row numbered with its position in file order, repartitioned lazily into
    `num_blocks()`. With `block_bytes` (under --memory-limit) a Parquet input is a lazy read instead, each row
    group read in slices of about that size, which Ray Data's executor streams through the pipeline with its
    backpressure: collecting every block first put the whole input into the object store (26M rows under 2 GiB
    were killed in the read)."""
    path, filesystem = source.uri, None
    if not source.is_local:
        from src.bench.data.remote import arrow_filesystem

        filesystem, path = arrow_filesystem(source.uri)
    schema = pa.schema([(c, arrow_type(source.schema[c])) for c in columns])  # the types read_arrow_table gives
    if source.format == "csv":
        numbered = _numbered_csv(path, filesystem, source, columns, schema)
    elif block_bytes:
        return ray.data.read_datasource(NumberedParquet(path, filesystem, schema, block_bytes))
    else:
        numbered = [ref for piece in row_groups(path, filesystem, schema)
                    for ref in _read_row_group.remote(filesystem, schema, piece)]
        numbered = numbered or [ray.put(with_positions(schema.empty_table(), 0, ROW))]
    if block_bytes and len(numbered) >= num_blocks():
        return ray.data.from_arrow_refs(numbered)
    return ray.data.from_arrow_refs(numbered).repartition(num_blocks())


def _numbered_csv(path, filesystem, source: InputSource, columns: list[str], schema: pa.Schema) -> list:
    """Ray's read_csv (a file is one read task), its blocks numbered in file order."""
    ds = ray.data.read_csv(path, filesystem=filesystem, **csv_options(source.schema, columns))
    ds.context.execution_options.preserve_order = True  # files come back in order
    blocks = ds.to_arrow_refs()
    sizes = ray.get([_num_rows.remote(block) for block in blocks])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    numbered = [_numbered.remote(block, int(start), schema) for block, start in zip(blocks, starts)]
    del blocks  # each block of the reader is freed once it is numbered
    return numbered


@ray.remote(num_returns="streaming")
def _read_row_group(filesystem, schema: pa.Schema, piece: RowGroup):
    yield from row_group_tables(filesystem, schema, piece, ROW)


class NumberedParquet(Datasource):
    """The Parquet row groups as Ray Data read tasks whose tables carry their rows' positions."""

    def __init__(self, path, filesystem, schema: pa.Schema, block_bytes: int) -> None:
        super().__init__()
        self._filesystem, self._schema = filesystem, schema
        self._pieces = row_groups(path, filesystem, schema, block_bytes)

    def estimate_inmemory_data_size(self) -> int:
        return sum(piece.size_bytes for piece in self._pieces)

    def get_read_tasks(self, parallelism: int, per_task_row_limit: int | None = None,
                       data_context=None) -> list[ReadTask]:
        schema = with_positions(self._schema.empty_table(), 0, ROW).schema
        return [ReadTask(partial(row_group_tables, self._filesystem, self._schema, piece, ROW),
                         BlockMetadata(num_rows=piece.rows, size_bytes=piece.size_bytes, input_files=[piece.path],
                                       exec_stats=None), schema=schema)
                for piece in self._pieces]


@ray.remote
def _num_rows(block: pa.Table) -> int:
    return block.num_rows


@ray.remote
def _numbered(block: pa.Table, start: int, schema: pa.Schema) -> pa.Table:
    """The block with the source's column types and its rows' file positions."""
    return with_positions(block.select(schema.names).cast(schema), start, ROW)
