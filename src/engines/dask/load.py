"""Read the input into a persisted Dask DataFrame whose rows carry their position in the input file (ROW).

Every column has the type prepbench's reader gives it (src/bench/data/inputs.py): numbers, integers and booleans
float64 with NaN for null, strings pandas strings with null kept null. Two ways in:
- a LocalCluster (this machine): prepbench's reader in this process, then two slices per worker scattered to the
  workers (round robin), so every operator runs on every worker; the graph holds references to them, not the data
  (`from_pandas` would put the whole table in the graph, which Dask warns about);
- a cluster (--dask-address): the workers read the input themselves, so the data does not pass through this
  process. Parquet with `dd.read_parquet` (Arrow-backed), each partition cast to the reader's types; CSV, and a
  remote URI, with prepbench's reader in one worker task (pandas' CSV parser reads `""` and `NA` otherwise than
  prepbench's Arrow CSV options), then split. Either way numbered in file order and repartitioned.
End to end under --memory-limit a local Parquet input is not persisted: `streamed_frame` is a lazy read of
numbered row-group slices that every fit and the write run again.
"""

from __future__ import annotations

from itertools import islice

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow as pa
from distributed import Client, wait

from src.bench.data.inputs import InputSource, arrow_type, read_arrow_table
from src.bench.data.row_groups import RowGroup, row_group_tables, row_groups

from .columns import ROW

PARTITIONS_PER_WORKER = 2
PARTITION_BYTES = 64 * 2**20  # of input in memory per partition of a streamed frame


def load_frame(client: Client, source: InputSource, columns: list[str], on_cluster: bool,
               keep_partitions: bool = False) -> dd.DataFrame:
    """The columns plus ROW, persisted on the client's workers in two partitions per worker."""
    if on_cluster:
        return read_frame(client, source, columns, keep_partitions)
    return _persisted(client, _scattered(client, _read(source, columns), _partitions(client)))


def _partitions(client: Client) -> int:
    return max(2, PARTITIONS_PER_WORKER * len(client.scheduler_info(n_workers=-1)["workers"]))


def read_frame(client: Client, source: InputSource, columns: list[str], keep_partitions: bool = False) -> dd.DataFrame:
    """The columns plus ROW read by the workers, persisted in two partitions per worker; `keep_partitions` (under
    --memory-limit): Parquet in the reader's partitions (a row group each) when there are more of them, so that no
    worker ever holds more than a row group's rows at once in one task. (Persisted, not lazy: Dask plans a lazy
    read's partitions from the columns each graph uses, so an output column and ROW could be computed from
    differently split partitions and be assigned to the wrong rows.)"""
    if source.format == "parquet" and source.is_local:
        return _read_parquet(client, source, columns, _partitions(client), keep_partitions)
    frame = dd.from_map(_read, [source], args=[columns], meta=_typed_meta(source, columns))
    return _persisted(client, frame.repartition(npartitions=_partitions(client)))


def streamed_frame(source: InputSource, columns: list[str]) -> dd.DataFrame:
    """The columns plus ROW as a lazy frame (end to end under --memory-limit): every fit and the write read the
    files again, a partition of about PARTITION_BYTES per task, so a worker holds one partition and its outputs at
    a time, never the input. Persisting the input (`read_frame`) spilled 26M ctr rows to disk and went over
    2 GiB on 3M: a row group of 983,040 rows is 405 MiB in pandas, and its ctr outputs about 1 KB a row. A
    partition is one slice of a row group whatever columns a graph projects (`from_map` over slices numbered from
    the footers), so ROW and every output column come from the same rows. (Dask's `repartition` to more
    partitions split only the last one.) A task reads its row group's batches up to its own: slice k of s decodes
    k + 1 of them."""
    schema = _schema(source, columns)
    slices = [(piece, k) for piece in row_groups(source.uri, None, schema, PARTITION_BYTES)
              for k in range(-(-piece.rows // piece.batch_rows))]
    if not slices:  # a file without row groups: no rows
        return dd.from_pandas(_typed_meta(source, columns), npartitions=1)
    return dd.from_map(_read_slice, slices, args=[schema], meta=_typed_meta(source, columns), enforce_metadata=False)


def _read_slice(part: tuple[RowGroup, int], schema: pa.Schema, columns: list[str] | None = None) -> pd.DataFrame:
    """Slice k of a row group, numbered, in the columns a graph projects (`columns`, Dask's; ROW among them or
    not)."""
    piece, k = part
    wanted = schema.names if columns is None else [c for c in columns if c != ROW]
    read = pa.schema([schema.field(c) for c in wanted])
    frame = next(islice(row_group_tables(None, read, piece, ROW), k, None)).to_pandas()
    return frame if columns is None else frame[list(columns)]


def _persisted(client: Client, frame: dd.DataFrame) -> dd.DataFrame:
    frame = client.persist(frame)
    wait(frame)
    return frame


def _read(source: InputSource, names: list[str]) -> pd.DataFrame:
    """The whole input with prepbench's reader, numbered. (A parameter named `columns` would be Dask's: `from_map`
    passes its column projection as `columns=`.)"""
    table = read_arrow_table(source, names)
    return table.to_pandas().assign(**{ROW: np.arange(table.num_rows, dtype=np.int64)})


def _scattered(client: Client, whole: pd.DataFrame, partitions: int) -> dd.DataFrame:
    bounds = np.linspace(0, len(whole), min(partitions, len(whole)) + 1).astype(int)
    futures = client.scatter([whole.iloc[start:end] for start, end in zip(bounds[:-1], bounds[1:])])
    return dd.from_delayed(futures, meta=whole.iloc[:0], verify_meta=False)


def _schema(source: InputSource, columns: list[str]) -> pa.Schema:
    return pa.schema([(c, arrow_type(source.schema[c])) for c in columns])


def _typed_meta(source: InputSource, columns: list[str]) -> pd.DataFrame:
    return _schema(source, columns).empty_table().to_pandas().assign(**{ROW: np.array([], dtype=np.int64)})


def _read_parquet(client: Client, source: InputSource, columns: list[str], partitions: int,
                  keep_partitions: bool = False) -> dd.DataFrame:
    """dd.read_parquet on the workers, each partition cast to the reader's types and numbered in file order. The
    partitions are futures held here until the numbered frame is persisted (a persisted collection whose partitions
    are then repartitioned lost them: "lost dependencies")."""
    schema = _schema(source, columns)
    raw = dd.read_parquet(source.uri, columns=columns, dtype_backend="pyarrow")
    parts = client.compute(raw.map_partitions(_cast, schema, meta=schema.empty_table().to_pandas()).to_delayed())
    starts = np.cumsum([0, *client.gather(client.map(len, parts))[:-1]]).tolist()
    numbered = client.map(_numbered, parts, starts)
    frame = dd.from_delayed(numbered, meta=_typed_meta(source, columns), verify_meta=False)
    if keep_partitions and len(numbered) >= partitions:
        return _persisted(client, frame)
    return _persisted(client, frame.repartition(npartitions=partitions))


def _cast(part: pd.DataFrame, schema: pa.Schema) -> pd.DataFrame:
    table = pa.Table.from_pandas(part, preserve_index=False).select(schema.names).cast(schema)
    return table.to_pandas()


def _numbered(part: pd.DataFrame, start: int) -> pd.DataFrame:
    return part.assign(**{ROW: np.arange(start, start + len(part), dtype=np.int64)})
