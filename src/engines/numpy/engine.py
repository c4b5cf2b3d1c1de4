"""The numpy engine: the canonical semantics in vectorised numpy, in this process. It is the oracle."""

from __future__ import annotations

import os
import platform
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from src.bench.data.inputs import InputSource, read_arrow_table
from src.bench.data.save import arrow_column
from src.bench.run.engine import ROW_COLUMN, Engine
from src.bench.run.memory_estimate import ARROW_STRING_OVERHEAD
from src.engines.threads import limit_threads

from .frame import Frame, canonical, from_arrow, held_bytes


class NumpyEngine(Engine):
    name = "numpy"
    operators_package = "src.engines.numpy.operators"
    string_overhead_bytes = ARROW_STRING_OVERHEAD  # strings stay Arrow arrays (frame.py)

    def start(self) -> dict[str, Any]:
        return {"version": np.__version__, "mode": "local", "python": platform.python_version(), "nodes": 1,
                **limit_threads(self.options.cores)}

    def holds_everything_in_memory(self) -> bool:
        return True  # every input and output column is a numpy array of this process

    def limit_memory(self, limit_bytes: int) -> str:
        return "none: numpy holds the input and every output in this process (refused up front when too big)"

    def load(self, source: InputSource, columns: list[str]) -> Frame:
        return from_arrow(read_arrow_table(source, columns))

    def held_bytes(self, data: Frame, columns: list[str]) -> int:
        return sum(held_bytes(data[c]) for c in dict.fromkeys(columns))

    def count(self, data: Frame) -> int:
        return data.n_rows

    def materialize(self, data: Frame, columns: list[str]) -> Frame:
        return data  # eager: every output array already exists

    def collect(self, data: Frame, columns: list[str], rows: np.ndarray | None) -> dict[str, Any]:
        frame = data if rows is None else data.take(rows)
        return {c: canonical(frame[c]) for c in columns}

    def write(self, data: Frame, kinds: dict[str, str], path: str) -> None:
        """pyarrow's Parquet writer, one file: Arrow columns as they are, CSR vectors in the shared layout."""
        table = pa.table({ROW_COLUMN: np.arange(data.n_rows, dtype=np.int64),
                          **{c: arrow_column(data[c], kind) for c, kind in kinds.items()}})
        os.makedirs(path)
        pq.write_table(table, os.path.join(path, "part-00000.parquet"))
