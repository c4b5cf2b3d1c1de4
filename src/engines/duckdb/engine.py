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
import shutil
import tempfile
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from src.bench.data.inputs import InputSource, parquet_paths, read_arrow_table
from src.bench.data.vectors import to_csr
from src.bench.errors import UserError
from src.bench.run.engine import Engine
from src.bench.run.facts import EngineOptions
from src.bench.run.memory_limit import format_size, parse_size, scratch_dir
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
        self._temp_dir: str | None = None  # the spill directory `start` made (see _own_temp_dir); removed at stop
        self._streaming = False  # end to end under --memory-limit: see Session.streaming
        self._own_temp_dir = False  # under --memory-limit without --duckdb-temp-dir: `start` makes one

    def holds_everything_in_memory(self) -> bool:
        """In memory the input arrives as one Arrow table of this process and `materialize` returns Arrow; end to
        end DuckDB reads the files itself into its own buffers, which spill to the temp directory beyond its
        memory_limit, and `COPY ... TO` writes the outputs from there."""
        return not self.end_to_end

    def limit_memory(self, limit_bytes: int) -> str:
        """Half the limit for DuckDB's own buffers (beyond it DuckDB spills to its temp directory); the other half
        is for what lives outside that setting: this Python process, the Arrow input it loads from and the Arrow
        outputs it returns (in memory), the Arrow batches of its Python functions (end to end). An explicit
        --duckdb-memory-limit wins when it is smaller; a larger one is a mistake. Without --duckdb-temp-dir the
        spill goes to a fresh directory, made at start and removed at stop, in the run's own directory that the
        process enforcing the limit removes (memory_limit.scratch_dir), so a run killed over the limit leaves none.
        End to end (`Session.streaming`) the input is never a table: every query scans the files."""
        given = self.options.duckdb_memory_limit
        if given:
            try:
                too_big = parse_size(given) > limit_bytes
            except argparse.ArgumentTypeError:
                too_big = False  # not a size prepbench reads: DuckDB's own check (check_options) judges it
            if too_big:
                raise UserError(f"--duckdb-memory-limit {given} is more than --memory-limit "
                                f"{format_size(limit_bytes)}; give a smaller one, or drop it to use half the limit")
            setting = f"memory_limit {given} (--duckdb-memory-limit)"
        else:
            self._memory_limit = f"{limit_bytes // 2 // 2**20}MiB"
            setting = f"memory_limit {self._memory_limit} (half the limit)"
        self._own_temp_dir = not self.options.duckdb_temp_dir
        self._streaming = self.end_to_end
        if self._streaming:
            self.fused_phases = {"read": "fit and write", "transform": "write"}
            self.phase_note = ("read only plans a scan (read_parquet) that each fit query and the write's COPY run "
                               "again; transform only builds the SQL that the COPY runs")
        spill = self.options.duckdb_temp_dir or "a temp directory of its own (removed when it stops)"
        streaming = (", end to end: read_parquet scanned by every query, no table of the input, fits in one pass, "
                     "preserve_insertion_order false") if self._streaming else ""
        return f"{setting}, spilling to {spill}{streaming}"

    def _config(self) -> dict[str, str]:
        config = {"threads": str(self.options.cores or os.cpu_count() or 1)}
        memory_limit = self.options.duckdb_memory_limit or self._memory_limit
        if memory_limit:
            config["memory_limit"] = memory_limit
        temp_dir = self.options.duckdb_temp_dir or self._temp_dir
        if temp_dir:
            config["temp_directory"] = temp_dir
        if self._streaming:  # every written row carries its position: the order rows are written in is free
            config["preserve_insertion_order"] = "false"
        return config

    def _connect(self) -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(config=self._config())
        except duckdb.Error as exc:
            raise UserError(f"DuckDB refuses its settings (--duckdb-memory-limit, --duckdb-temp-dir): {exc}") from None

    def check_options(self) -> None:
        self._connect().close()

    def start(self) -> dict[str, Any]:
        if self._own_temp_dir and self._temp_dir is None:  # where the run's supervisor cleans up, if it has one
            self._temp_dir = tempfile.mkdtemp(prefix="prepbench-duckdb-", dir=scratch_dir())
        self.session = Session(self._connect(), streaming=self._streaming)
        memory_limit, temp_dir, threads = self.session.rows(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory'), current_setting('threads')")[0]
        return {"version": duckdb.__version__, "mode": "local", "python": platform.python_version(), "nodes": 1,
                **limit_threads(self.options.cores), "threads": threads, "memory_limit": memory_limit,
                "temp_directory": temp_dir}

    def load(self, source: InputSource, columns: list[str]) -> Query:
        return self.session.load(read_arrow_table(source, columns))

    def read(self, source: InputSource, columns: list[str]) -> Query:
        types = {c: _sql_type(source.schema[c]) for c in columns}
        if self.session.streaming and source.format == "parquet" and source.is_local:
            reader, row = _numbered_parquet_sql(source)
            return self.session.scan(reader, types, row)
        return self.session.read(_reader_sql(source), types)

    def write(self, data: Query, kinds: dict[str, str], path: str) -> None:
        """`COPY ... TO (FORMAT parquet, PER_THREAD_OUTPUT)`, each thread starting a new file every 256 MB; then the
        repetition's tables go. Rolling the files keeps a long write's memory flat: on 26M rows under a 2 GiB limit,
        one open file per thread took the process from 1.5 to 1.9 GiB over the write (150M rows went over the limit),
        rolled files held 1.2-1.7 GiB and wrote in 141 s instead of 203 s."""
        select = ", ".join([ident(ROW), *(f"{data.col(c)} AS {ident(c)}" for c in kinds)])
        self.session.con.execute(f"COPY (SELECT {select} FROM ({data.sql}) AS t) TO {_literal(path)} "
                                 "(FORMAT parquet, PER_THREAD_OUTPUT true, FILE_SIZE_BYTES '256MB')")
        self.session.drop_tables(self._shared_tables)

    def fit(self, step: Step, data: Query) -> Any:
        return super().fit(step, data if self.session.streaming else self.session.store(data))

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
        if self._temp_dir:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_type(kind: str) -> str:
    """The type prepbench's reader gives a column of this kind: numbers (integers too) DOUBLE, else VARCHAR."""
    return "VARCHAR" if kind == STRING else "DOUBLE"


def _numbered_parquet_sql(source: InputSource) -> tuple[str, str]:
    """read_parquet over the input's files with each row's file and position in it, and the SQL of its position
    in the whole input: the rows of the files before it (from their footers) plus its position in its file."""
    import pyarrow.parquet as pq

    files = parquet_paths(source)
    starts, start = [], 0
    for file in files:
        starts.append(start)
        start += pq.read_metadata(file).num_rows
    cases = " ".join(f"WHEN {_literal(f)} THEN {s}" for f, s in zip(files, starts))
    reader = f"read_parquet([{', '.join(map(_literal, files))}], filename = true, file_row_number = true)"
    return reader, f"(CASE filename {cases} END + file_row_number)::BIGINT"


def _reader_sql(source: InputSource) -> str:
    """DuckDB's own reader of the input: read_parquet over its files in name order (the order every reader numbers
    rows in), or read_csv with its columns' types, an unquoted empty field null and a quoted one the empty string."""
    if source.format == "parquet":
        return f"read_parquet([{', '.join(map(_literal, parquet_paths(source)))}])"
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
