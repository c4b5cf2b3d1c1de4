"""The Polars engine: lazy queries over an in-memory DataFrame, run on Polars' own thread pool, in this process.

`load` reads the input with prepbench's reader (so CSV and Parquet parse exactly as for every engine; numbers
arrive as float64) into an eager DataFrame: that is the cache. Fit and transform build on its lazy plan (a
`Table`, src/engines/polars/table.py); a fit runs one aggregating query, and `materialize`, the timed action, is
the one `collect` of every output column, on the engine `--polars-engine` names (default: Polars' own choice).

Polars sizes its thread pool once, when it is first imported (POLARS_MAX_THREADS), so `--cores` sets that variable
when the engine is created, before anything imports Polars (the operator modules do, when the runner asks for their
labels), and this module imports Polars only inside its methods.
"""

from __future__ import annotations

import os
import platform
from typing import TYPE_CHECKING, Any

import numpy as np

from src.bench.data.inputs import InputSource, parquet_paths, read_arrow_table
from src.bench.errors import UserError
from src.bench.run.engine import ROW_COLUMN, Engine
from src.bench.run.facts import EngineOptions
from src.engines.threads import limit_threads

if TYPE_CHECKING:
    import polars as pl

    from .table import Table


LIMITED_ROW_GROUP = 65_536  # rows per row group that sink_parquet writes under --memory-limit
LIMITED_FILE_ROWS = 16 * LIMITED_ROW_GROUP  # rows per file that sink_parquet writes under --memory-limit


class PolarsEngine(Engine):
    name = "polars"
    operators_package = "src.engines.polars.operators"
    fused_phases = {"read": "fit and write", "transform": "write"}
    phase_note = ("read only plans a scan (Polars' own Parquet/CSV reader) that each fit query and the write run "
                  "again; transform only plans the expressions the write computes")

    def __init__(self, options: EngineOptions) -> None:
        super().__init__(options)
        self._limited = False  # limit_memory was called: the run is under --memory-limit
        if options.cores is not None:
            os.environ["POLARS_MAX_THREADS"] = str(options.cores)

    def start(self) -> dict[str, Any]:
        import polars as pl

        cores = self.options.cores
        if cores is not None and pl.thread_pool_size() != cores:
            raise UserError(f"--cores {cores}: Polars was already loaded in this process with "
                            f"{pl.thread_pool_size()} threads (it sizes its thread pool when first imported)")
        return {"version": pl.__version__, "mode": "local", "python": platform.python_version(), "nodes": 1,
                "threads": pl.thread_pool_size(), "polars_engine": self.query_engine,
                **limit_threads(cores)}

    @property
    def query_engine(self) -> str:
        """The engine Polars runs every query on: --polars-engine, except that an end-to-end run under
        --memory-limit left to Polars' choice (auto) runs on the streaming engine, the one that stays within it."""
        chosen = self.options.polars_engine
        return "streaming" if chosen == "auto" and self.end_to_end and self._limited else chosen

    def holds_everything_in_memory(self) -> bool:
        """In memory the input is an eager DataFrame and `materialize` collects every output, on either Polars
        engine; end to end on the streaming engine nothing is collected: the scan, each fit's aggregates and the
        sink run batch by batch."""
        return not (self.end_to_end and self.query_engine == "streaming")

    def limit_memory(self, limit_bytes: int) -> str:
        self._limited = True
        if not self.holds_everything_in_memory():
            return (f"none: Polars has no memory setting; end to end on the streaming engine (scan_parquet, the fits' "
                    f"aggregates and sink_parquet run batch by batch), --polars-engine {self.options.polars_engine}")
        return (f"none: Polars has no memory setting; --polars-engine {self.options.polars_engine} (the input and the "
                "outputs are in memory: refused up front when too big)")

    def load(self, source: InputSource, columns: list[str]) -> Table:
        import polars as pl

        from .table import Table

        frame = pl.from_arrow(read_arrow_table(source, columns), rechunk=True)
        return Table(frame.lazy(), self.query_engine)

    def read(self, source: InputSource, columns: list[str]) -> Table:
        """A lazy scan with Polars' reader, numbers cast to float64 as prepbench's reader gives them, numbered."""
        import polars as pl

        from src.bench.spec.operators import STRING

        from .table import Table

        if source.format == "csv":
            plan = pl.scan_csv(source.uri, infer_schema=False)  # text, typed below: no inference pass
        else:
            plan = pl.scan_parquet(parquet_paths(source))
        types = {c: pl.String if source.schema[c] == STRING else pl.Float64 for c in columns}
        plan = plan.select(pl.col(c).cast(t) for c, t in types.items()).with_row_index(ROW_COLUMN)
        return Table(plan, self.query_engine)

    def write(self, data: Table, kinds: dict[str, str], path: str) -> None:
        """`sink_parquet` on the streaming engine, else `write_parquet` of the frame collected on the chosen engine:
        one file, or under --memory-limit one every LIMITED_FILE_ROWS rows."""
        import polars as pl

        os.makedirs(path)
        plan = data.plan.select(pl.col(ROW_COLUMN).cast(pl.Int64), *kinds)  # int64 as every engine writes it
        file = os.path.join(path, "part-00000.parquet")
        if data.engine == "streaming" and self._limited:
            # under --memory-limit: smaller row groups, written in the order the morsels finish (every row carries
            # its position), so the sink holds less at once (with its defaults it went over 2 GiB on the ctr
            # pipeline's 26 vector columns); a new file every LIMITED_FILE_ROWS rows, as one file growing for the
            # whole write crept over 2 GiB on 150M rows
            plan.sink_parquet(pl.PartitionBy(path, max_rows_per_file=LIMITED_FILE_ROWS),
                              row_group_size=LIMITED_ROW_GROUP, maintain_order=False)
        elif data.engine == "streaming":
            plan.sink_parquet(file)
        else:
            plan.collect(engine=data.engine).write_parquet(file)

    def count(self, data: Table) -> int:
        import polars as pl

        return data.plan.select(pl.len()).collect().item()

    def materialize(self, data: Table, columns: list[str]) -> pl.DataFrame:
        return data.collect(columns)

    def collect(self, data: pl.DataFrame, columns: list[str], rows: np.ndarray | None) -> dict[str, Any]:
        frame = data.select(columns) if rows is None else data.select(columns)[rows]
        return {c: _canonical(frame[c]) for c in columns}


def _canonical(column: pl.Series) -> Any:
    """The form `Engine.collect` returns: vectors as CSR, token lists as lists (None for a null document),
    numbers and indices as float64 with NaN for null."""
    import polars as pl

    from src.bench.data.vectors import to_csr

    if isinstance(column.dtype, pl.Struct):
        return to_csr(column.to_arrow())
    if isinstance(column.dtype, pl.List):
        return column.to_list()
    return column.cast(pl.Float64).to_numpy()
