"""Train and test files with the edge cases every engine is checked on: nulls in miss_*, a column constant at
fit (and a different constant at transform), mixed-case text with tabs, and cat_0 values the training data
does not have (sorting before and after every training category)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from src.bench.data.generate import DatasetSpec, generate_table, write_table
from src.bench.run.facts import EngineOptions
from src.engines.numpy.engine import NumpyEngine

UNSEEN = ["0_unseen", "~unseen"]  # code points before "v0" and after "v5"


def edge_table(
    rows: int, seed: int, constant: float, numeric: int = 2, vocab_size: int = 60, missing_rate: float = 0.3
) -> pa.Table:
    spec = DatasetSpec(
        rows=rows,
        numeric=numeric,
        categorical=2,
        cardinality=6,
        text=True,
        vocab_size=vocab_size,
        missing_rate=missing_rate,
        seed=seed,
    )
    return generate_table(spec).append_column("num_const", pa.array(np.full(rows, constant)))


def with_unseen(table: pa.Table, every: int = 4) -> pa.Table:
    """Every `every`-th cat_0 value becomes a category absent from the training data."""
    values = table.column("cat_0").to_pylist()
    for i in range(0, len(values), every):
        values[i] = UNSEEN[(i // every) % 2]
    return table.set_column(table.schema.get_field_index("cat_0"), "cat_0", pa.array(values))


def write_train_test(root: Path, train: pa.Table, test: pa.Table) -> dict[str, tuple[Path, Path]]:
    """{"csv": (train, test), "parquet": (train, test)}"""
    out = {}
    for fmt in ("csv", "parquet"):
        out[fmt] = root / f"train.{fmt}", root / f"test.{fmt}"
        write_table(train, str(out[fmt][0]))
        write_table(test, str(out[fmt][1]))
    return out


def assert_loaded_rows_match_reference(engine, data, source, rows) -> None:
    """The engine's loaded input, collected at these row numbers, equals the numpy engine's rows of the file."""
    columns = ["num_0", "miss_0", "cat_0", "text"]
    ref = NumpyEngine(EngineOptions())
    expected = ref.collect(ref.load(source, list(source.schema)), columns, rows)
    got = engine.collect(data, columns, rows)
    np.testing.assert_array_equal(got["num_0"], expected["num_0"])
    np.testing.assert_array_equal(got["miss_0"], expected["miss_0"])  # NaN where null, in both
    assert got["cat_0"] == expected["cat_0"] and got["text"] == expected["text"]
