"""The DuckDB engine: prepbench's operators as SQL on an in-process DuckDB database.

Loading reads the input with prepbench's own reader (`read_arrow_table`, so CSV and Parquet parse as on every
engine; integer columns arrive as float64) into a table in DuckDB's memory, with each row's input position. Fit
runs aggregate queries, over a table of its input rows when they are the outputs of earlier steps; transform only
builds SQL (see query.py); `materialize`, the timed action, runs the final query and fetches every output column
to Arrow, and `collect` puts those rows back in input order.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from src.bench.data.inputs import InputSource, read_arrow_table
from src.bench.errors import UserError
from src.bench.run.engine import Engine
from src.bench.run.facts import EngineOptions
from src.bench.spec.plan import Step
from src.engines.threads import limit_threads

from .query import ROW, Query, Session, ident


@dataclass(frozen=True)
class Result:
    """The fetched outputs (rows in the order DuckDB produced them, with their input positions in ROW)."""

    table: pa.Table
    widths: dict[str, int]


class DuckdbEngine(Engine):
    name = "duckdb"
    operators_package = "src.engines.duckdb.operators"

    def __init__(self, options: EngineOptions) -> None:
        super().__init__(options)
        self.session: Session | None = None
        self._shared_tables = 0

    def _config(self) -> dict[str, str]:
        config = {"threads": str(self.options.cores or os.cpu_count() or 1)}
        if self.options.duckdb_memory_limit:
            config["memory_limit"] = self.options.duckdb_memory_limit
        if self.options.duckdb_temp_dir:
            config["temp_directory"] = self.options.duckdb_temp_dir
        return config

    def _connect(self) -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(config=self._config())
        except duckdb.Error as exc:
            raise UserError(f"DuckDB refuses its settings (--duckdb-memory-limit, --duckdb-temp-dir): {exc}") from None

    def check_options(self) -> None:
        self._connect().close()

    def start(self) -> dict[str, Any]:
        self.session = Session(self._connect())
        memory_limit, temp_dir, threads = self.session.rows(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory'), current_setting('threads')")[0]
        return {"version": duckdb.__version__, "mode": "local", "python": platform.python_version(), "nodes": 1,
                **limit_threads(self.options.cores), "threads": threads, "memory_limit": memory_limit,
                "temp_directory": temp_dir}

    def load(self, source: InputSource, columns: list[str]) -> Query:
        return self.session.load(read_arrow_table(source, columns))

    def fit(self, step: Step, data: Query) -> Any:
        return super().fit(step, self.session.store(data))

    def transform(self, step: Step, state: Any, data: Query) -> Query:
        return super().transform(step, state, self.session.reading_stored(data))

    def count(self, data: Query) -> int:
        return data.one_row(["count(*)"])[0]

    def materialize(self, data: Query, columns: list[str]) -> Result:
        select = ", ".join([ident(ROW), *(data.col(c) for c in columns)])
        table = self.session.con.sql(f"SELECT {select} FROM ({data.sql}) AS t").to_arrow_table()
        return Result(table.rename_columns([ROW, *columns]), {c: w for c, w in data.widths.items() if c in columns})

    def collect(self, data: Result, columns: list[str], rows: np.ndarray | None) -> dict[str, Any]:
        positions = np.empty(data.table.num_rows, dtype=np.int64)  # where each input row sits in the result
        positions[data.table.column(ROW).to_numpy()] = np.arange(data.table.num_rows)
        picked = data.table.take(positions if rows is None else positions[rows])
        return {c: _canonical(picked.column(c), data.widths.get(c)) for c in columns}

    def keep_loaded(self) -> None:
        self._shared_tables = len(self.session.tables)

    def release(self, data: Result) -> None:
        """Drop the tables made since the shared inputs were loaded: fitted state, inputs loaded by a repetition."""
        self.session.drop_tables(self._shared_tables)

    def stop(self) -> None:
        if self.session is not None:
            self.session.con.close()
            self.session = None


def _canonical(column: pa.ChunkedArray, width: int | None) -> Any:
    """numeric/index -> float64 ndarray (NaN for null); tokens -> lists; vector -> CSR of its width."""
    if width is not None:
        return _csr(column.combine_chunks() if column.num_chunks else pa.array([], column.type), width)
    if pa.types.is_floating(column.type):
        return column.to_numpy().astype(np.float64, copy=False)
    return column.to_pylist()


def _csr(vectors: pa.StructArray, width: int) -> sp.csr_matrix:
    values = vectors.field("values")
    lengths = pc.list_value_length(values).to_numpy(zero_copy_only=False)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    data = pc.list_flatten(values).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
    indices = pc.list_flatten(vectors.field("indices")).to_numpy(zero_copy_only=False)
    return sp.csr_matrix((data, indices, indptr), shape=(len(vectors), width))
