"""The DuckDB engine: prepbench's operators as SQL on an in-process DuckDB database.

Loading reads the input with prepbench's own reader (`read_arrow_table`, so CSV and Parquet parse as on every
engine; integer columns arrive as float64) into a table in DuckDB's memory, with each row's input position. Fit
runs aggregate queries, over a table of its input rows when they are the outputs of earlier steps; transform only
builds SQL (see query.py); `materialize`, the timed action, runs the final query and fetches every output column
to Arrow, and `collect` puts those rows back in input order.
"""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from src.bench.data.inputs import InputSource, read_arrow_table
from src.bench.data.vectors import to_csr
from src.bench.errors import UserError
from src.bench.run.engine import Engine
from src.bench.run.facts import EngineOptions
from src.bench.run.memory_limit import format_size, parse_size
from src.bench.spec.operators import STRING
from src.bench.spec.plan import Step
from src.engines.threads import limit_threads

from .query import ROW, Query, Session, ident


class DuckdbEngine(Engine):
    name = "duckdb"
    operators_package = "src.engines.duckdb.operators"
    fused_phases = {"transform": "write"}
    phase_note = ("read is DuckDB's reader into a table in its memory; transform only builds the SQL that the write's "
                  "COPY runs")

    def __init__(self, options: EngineOptions) -> None:
        super().__init__(options)
        self.session: Session | None = None
        self._shared_tables = 0
        self._memory_limit: str | None = None

    def holds_everything_in_memory(self) -> bool:
        return True  # the input arrives as one Arrow table of this process, and `materialize` returns Arrow

    def limit_memory(self, limit_bytes: int) -> str:
        """Half the limit for DuckDB's own buffers (beyond it DuckDB spills to its temp directory); the other half
        is for what lives outside that setting: the Arrow input it loads from and the Arrow outputs it returns.
        An explicit --duckdb-memory-limit wins when it is smaller; a larger one is a mistake."""
        given = self.options.duckdb_memory_limit
        if given:
            try:
                too_big = parse_size(given) > limit_bytes
            except argparse.ArgumentTypeError:
                too_big = False  # not a size prepbench reads: DuckDB's own check (check_options) judges it
            if too_big:
                raise UserError(f"--duckdb-memory-limit {given} is more than --memory-limit "
                                f"{format_size(limit_bytes)}; give a smaller one, or drop it to use half the limit")
            return f"memory_limit {given} (--duckdb-memory-limit)"
        self._memory_limit = f"{limit_bytes // 2 // 2**20}MiB"
        spill = self.options.duckdb_temp_dir or "DuckDB's default temp directory"
        return f"memory_limit {self._memory_limit} (half the limit), spilling to {spill}"

    def _config(self) -> dict[str, str]:
        config = {"threads": str(self.options.cores or os.cpu_count() or 1)}
        memory_limit = self.options.duckdb_memory_limit or self._memory_limit
        if memory_limit:
            config["memory_limit"] = memory_limit
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

    def read(self, source: InputSource, columns: list[str]) -> Query:
        return self.session.read(_reader_sql(source), {c: _sql_type(source.schema[c]) for c in columns})

    def write(self, data: Query, kinds: dict[str, str], path: str) -> None:
        """`COPY ... TO (FORMAT parquet, PER_THREAD_OUTPUT)`: one file per thread; then the repetition's tables go."""
        select = ", ".join([ident(ROW), *(f"{data.col(c)} AS {ident(c)}" for c in kinds)])
        self.session.con.execute(f"COPY (SELECT {select} FROM ({data.sql}) AS t) TO {_literal(path)} "
                                 "(FORMAT parquet, PER_THREAD_OUTPUT true)")
        self.session.drop_tables(self._shared_tables)

    def fit(self, step: Step, data: Query) -> Any:
        return super().fit(step, self.session.store(data))

    def transform(self, step: Step, state: Any, data: Query) -> Query:
        return super().transform(step, state, self.session.reading_stored(data))

    def count(self, data: Query) -> int:
        return data.one_row(["count(*)"])[0]

    def materialize(self, data: Query, columns: list[str]) -> pa.Table:
        """The outputs, rows in the order DuckDB produced them, with their input positions in ROW."""
        select = ", ".join([ident(ROW), *(data.col(c) for c in columns)])
        table = self.session.con.sql(f"SELECT {select} FROM ({data.sql}) AS t").to_arrow_table()
        return table.rename_columns([ROW, *columns])

    def collect(self, data: pa.Table, columns: list[str], rows: np.ndarray | None) -> dict[str, Any]:
        positions = np.empty(data.num_rows, dtype=np.int64)  # where each input row sits in the result
        positions[data.column(ROW).to_numpy()] = np.arange(data.num_rows)
        picked = data.take(positions if rows is None else positions[rows])
        return {c: _canonical(picked.column(c)) for c in columns}

    def keep_loaded(self) -> None:
        self._shared_tables = len(self.session.tables)

    def release(self, data: pa.Table) -> None:
        """Drop the tables made since the shared inputs were loaded: fitted state, inputs loaded by a repetition."""
        self.session.drop_tables(self._shared_tables)

    def stop(self) -> None:
        if self.session is not None:
            self.session.con.close()
            self.session = None


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_type(kind: str) -> str:
    """The type prepbench's reader gives a column of this kind: numbers (integers too) DOUBLE, else VARCHAR."""
    return "VARCHAR" if kind == STRING else "DOUBLE"


def _reader_sql(source: InputSource) -> str:
    """DuckDB's own reader of the input: read_parquet over its files in name order (the order every reader numbers
    rows in), or read_csv with its columns' types, an unquoted empty field null and a quoted one the empty string."""
    if source.format == "parquet":
        root = Path(source.uri)
        files = [source.uri] if not source.is_local or root.is_file() else sorted(
            str(f) for f in root.rglob("*.parquet") if not f.name.startswith(("_", ".")))
        return f"read_parquet([{', '.join(map(_literal, files))}])"
    types = ", ".join(f"{_literal(c)}: {_literal(_sql_type(k))}" for c, k in source.schema.items())
    return (f"read_csv({_literal(source.uri)}, header = true, columns = {{{types}}}, allow_quoted_nulls = false, "
            "nullstr = '')")


def _canonical(column: pa.ChunkedArray) -> Any:
    """numeric/index -> float64 ndarray (NaN for null); vector -> CSR; tokens -> lists."""
    if pa.types.is_floating(column.type):
        return column.to_numpy().astype(np.float64, copy=False)
    if pa.types.is_struct(column.type):
        return to_csr(column)
    return column.to_pylist()
