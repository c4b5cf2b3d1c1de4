"""An in-memory table of named columns, shared by the single-machine engines (numpy and scikit-learn).

Numeric, integer (booleans as 0 and 1) and index columns are float64 ndarrays (NaN = null); string and token
columns are Arrow arrays, which keep millions of strings compact and give vectorised string kernels; vectors
are scipy CSR matrices.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pyarrow as pa

from src.engines.text import combined


class Frame:
    def __init__(self, columns: dict[str, Any], n_rows: int) -> None:
        self.columns = columns
        self.n_rows = n_rows

    def __getitem__(self, name: str) -> Any:
        return self.columns[name]

    def with_columns(self, new: dict[str, Any]) -> Frame:
        return Frame({**self.columns, **new}, self.n_rows)

    def take(self, rows: np.ndarray) -> Frame:
        return Frame({name: take_rows(col, rows) for name, col in self.columns.items()}, len(rows))


def take_rows(column: Any, rows: np.ndarray) -> Any:
    if isinstance(column, np.ndarray):
        return column[rows]
    if isinstance(column, (pa.Array, pa.ChunkedArray)):
        return column.take(pa.array(rows))
    if isinstance(column, list):  # the sklearn engine's token lists
        return [column[i] for i in rows]
    return column[rows]  # scipy sparse


def held_bytes(column: Any) -> int:
    """The bytes one column holds: its arrays (a CSR matrix: its values, column indices and row pointers) and the
    Python objects an object array or a list of token lists points to (the scikit-learn engine's strings), each
    distinct object once."""
    if isinstance(column, np.ndarray) and column.dtype == object:
        return column.nbytes + _objects_bytes(column)
    if isinstance(column, (np.ndarray, pa.Array, pa.ChunkedArray)):
        return column.nbytes
    if isinstance(column, list):
        return sys.getsizeof(column) + _objects_bytes([*column, *(t for row in column if row for t in row)])
    return column.data.nbytes + column.indices.nbytes + column.indptr.nbytes


def _objects_bytes(objects: Any) -> int:
    return sum(sys.getsizeof(o) for o in {id(o): o for o in objects}.values())


def from_arrow(table: pa.Table) -> Frame:
    """Numbers (integers and booleans too) become float64 ndarrays with NaN for null; strings stay Arrow."""
    columns: dict[str, Any] = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            columns[name] = combined(col)
        else:
            columns[name] = col.cast(pa.float64()).to_numpy().astype(np.float64, copy=False)
    return Frame(columns, table.num_rows)


def canonical(column: Any) -> Any:
    """The form `Engine.collect` returns (see src/bench/engine.py)."""
    if isinstance(column, (pa.Array, pa.ChunkedArray)):
        return column.to_pylist()
    return column
