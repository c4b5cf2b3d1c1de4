"""Read the input into a materialised Ray Dataset whose rows carry their position in the input file.

Ray may hand blocks back in any order, so every row gets a ROW column (its 0-based position in file order)
and `collect` sorts by it. Two ways in:
- "pandas": the core's Arrow reader on the driver, then slices of that table become the blocks;
- "engine": Ray's own read_csv / read_parquet tasks (on the cluster's nodes), with the column types fixed by
  the source schema, then a numbering pass over the blocks in file order.
Either way the data ends up in a few blocks per CPU, so every operator runs in parallel, never on one block.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import ray

from src.bench.data.inputs import InputSource, arrow_type, csv_options, read_arrow_table

ROW = "__row"
BLOCKS_PER_CPU = 2


def load_dataset(source: InputSource, columns: list[str], io_mode: str,
                 keep_blocks: bool = False) -> ray.data.MaterializedDataset:
    """The columns plus ROW, materialised in the object store in `num_blocks()` blocks."""
    if io_mode == "pandas":
        return _read_on_driver(source, columns)
    return read_with_ray(source, columns, keep_blocks).materialize()


def num_blocks() -> int:
    """Two blocks per CPU of the cluster, so both cores of a small machine and every node get work."""
    return max(2, BLOCKS_PER_CPU * int(ray.cluster_resources().get("CPU", 1)))


def _read_on_driver(source: InputSource, columns: list[str]) -> ray.data.MaterializedDataset:
    table = read_arrow_table(source, columns)
    table = table.append_column(ROW, pa.array(np.arange(table.num_rows, dtype=np.int64)))
    step = max(1, -(-table.num_rows // num_blocks()))
    slices = [table.slice(start, step) for start in range(0, table.num_rows, step)] or [table]
    return ray.data.from_arrow(slices)


def read_with_ray(source: InputSource, columns: list[str], keep_blocks: bool = False) -> ray.data.Dataset:
    """Ray's reader, its blocks numbered in file order (the numbering puts them in the object store), repartitioned
    lazily into `num_blocks()`; `keep_blocks` (under --memory-limit): in the reader's blocks when there are more of
    them, so no task ever holds more than a block of the reader's."""
    path, filesystem = source.uri, None
    if not source.is_local:
        from src.bench.data.remote import arrow_filesystem

        filesystem, path = arrow_filesystem(source.uri)
    if source.format == "csv":
        ds = ray.data.read_csv(path, filesystem=filesystem, **csv_options(source.schema, columns))
    else:
        ds = ray.data.read_parquet(path, filesystem=filesystem, columns=columns)
    ds.context.execution_options.preserve_order = True  # blocks come back in file order, so numbering is right
    blocks = ds.to_arrow_refs()
    sizes = ray.get([_num_rows.remote(block) for block in blocks])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    schema = pa.schema([(c, arrow_type(source.schema[c])) for c in columns])  # the types read_arrow_table gives
    numbered = [_numbered.remote(block, int(start), schema) for block, start in zip(blocks, starts)]
    del blocks  # each block of the reader is freed once it is numbered
    if keep_blocks and len(numbered) >= num_blocks():
        return ray.data.from_arrow_refs(numbered)
    return ray.data.from_arrow_refs(numbered).repartition(num_blocks())


@ray.remote
def _num_rows(block: pa.Table) -> int:
    return block.num_rows


@ray.remote
def _numbered(block: pa.Table, start: int, schema: pa.Schema) -> pa.Table:
    """The block with the source's column types and its rows' file positions."""
    block = block.select(schema.names).cast(schema)
    return block.append_column(ROW, pa.array(np.arange(start, start + block.num_rows, dtype=np.int64)))
