"""--save-output: write transformed columns to Parquet or CSV.

Dense scalars stay numbers, indices are nullable integers, tokens are lists of strings, and sparse vectors
are a struct {size, indices, values} (in CSV, lists and structs are JSON text).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from src.bench.data.vectors import from_csr
from src.bench.errors import UserError
from src.bench.spec.operators import INDEX, TOKENS, VECTOR


def arrow_column(values: Any, kind: str) -> pa.Array:
    """An output column in its saved Arrow form, from its canonical form (or an Arrow array, kept as it is)."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values
    if kind == VECTOR:
        return from_csr(values)
    if kind == TOKENS:
        return pa.array(values, type=pa.list_(pa.string()))
    array = np.asarray(values, dtype=np.float64)
    if kind == INDEX:
        nulls = np.isnan(array)
        return pa.array(np.where(nulls, 0, array).astype(np.int64), mask=nulls)
    return pa.array(array)


def save_outputs(columns: dict[str, Any], kinds: dict[str, str], path: str) -> None:
    table = pa.table({name: arrow_column(values, kinds[name]) for name, values in columns.items()})
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create {target.parent} for --save-output: {exc.strerror}") from None
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        if target.suffix.lower() == ".csv":
            import pyarrow.csv as pcsv

            pcsv.write_csv(_json_nested(table), tmp)
        else:
            import pyarrow.parquet as pq

            pq.write_table(table, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _json_nested(table: pa.Table) -> pa.Table:
    columns = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_nested(col.type):
            col = pa.array([json.dumps(v) for v in col.to_pylist()], type=pa.string())
        columns[name] = col
    return pa.table(columns)
