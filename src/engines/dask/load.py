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
"""

from __future__ import annotations

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow as pa
from distributed import Client, wait

from src.bench.data.inputs import InputSource, arrow_type, read_arrow_table

from .columns import ROW

PARTITIONS_PER_WORKER = 2


def load_frame(client: Client, source: InputSource, columns: list[str], on_cluster: bool) -> dd.DataFrame:
    """The columns plus ROW, persisted on the client's workers in two partitions per worker."""
    if on_cluster:
        return read_frame(client, source, columns)
    frame = client.persist(_scattered(client, _read(source, columns), _partitions(client)))
    wait(frame)
    return frame


def _partitions(client: Client) -> int:
    return max(2, PARTITIONS_PER_WORKER * len(client.scheduler_info(n_workers=-1)["workers"]))


def read_frame(client: Client, source: InputSource, columns: list[str]) -> dd.DataFrame:
    """The columns plus ROW read by the workers, persisted in two partitions per worker. (Persisted, not lazy: Dask
    plans a lazy read's partitions from the columns each graph uses, so an output column and ROW could be computed
    from differently split partitions and be assigned to the wrong rows.)"""
    if source.format == "parquet" and source.is_local:
        frame = _read_parquet(source, columns)
    else:
        frame = dd.from_map(_read, [source], args=[columns], meta=_typed_meta(source, columns))
    frame = client.persist(frame.repartition(npartitions=_partitions(client)))
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


def _read_parquet(source: InputSource, columns: list[str]) -> dd.DataFrame:
    """One partition per row group of each Parquet file, read on a worker with the reader's types and numbered
    from the row counts in the files' footers. (Not dd.read_parquet: it plans its partitions from the columns each
    graph uses, combining row groups and files into fewer partitions, and a graph derived from a persisted read of
    several files failed with "lost dependencies": the combined partitions were gone.)"""
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    pieces = []
    for path in ds.dataset(source.uri, format="parquet").files:  # the reader's order
        footer = pq.ParquetFile(path).metadata
        pieces += [(path, group, footer.row_group(group).num_rows) for group in range(footer.num_row_groups)]
    starts = np.cumsum([0, *(rows for _, _, rows in pieces[:-1])]).tolist()
    return dd.from_map(_read_row_group, [(path, group, start) for (path, group, _), start in zip(pieces, starts)],
                       schema=_schema(source, columns), meta=_typed_meta(source, columns))


def _read_row_group(piece: tuple[str, int, int], schema: pa.Schema) -> pd.DataFrame:
    import pyarrow.parquet as pq

    path, group, start = piece
    table = pq.ParquetFile(path).read_row_group(group, columns=schema.names)
    return _numbered(table.select(schema.names).cast(schema).to_pandas(), start)


def _numbered(part: pd.DataFrame, start: int) -> pd.DataFrame:
    rows = np.arange(start, start + len(part), dtype=np.int64)
    return part.assign(**{ROW: rows}).set_axis(pd.RangeIndex(start, start + len(part)))  # unique, as when scattered
