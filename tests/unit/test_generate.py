"""The dataset generator: deterministic per seed, obeys the canonical input rules, round-trips through files."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from src.bench.data.generate import DatasetSpec, generate_table, write_table
from src.bench.data.inputs import resolve_input
from src.bench.errors import UserError
from src.bench.run.facts import EngineOptions
from src.bench.spec.operators import NUMERIC, STRING
from src.engines.numpy.engine import NumpyEngine

SPEC = DatasetSpec(rows=5000, numeric=4, categorical=3, cardinality=12, text=True, missing_rate=0.2, seed=3)


@pytest.fixture(scope="module")
def table() -> pa.Table:
    return generate_table(SPEC)


def test_same_seed_same_table_other_seed_other_table(table: pa.Table) -> None:
    assert generate_table(SPEC).equals(table)
    other = generate_table(DatasetSpec(**{**SPEC.__dict__, "seed": 4}))
    assert other.schema == table.schema
    assert all(not other[c].equals(table[c]) for c in table.column_names)


def test_columns_follow_the_spec(table: pa.Table) -> None:
    assert table.column_names == [
        "num_0", "num_1", "num_2", "num_3", "miss_0", "miss_1", "cat_0", "cat_1", "cat_2", "text",
    ]
    assert table.num_rows == 5000
    no_missing = generate_table(DatasetSpec(rows=10, numeric=1, categorical=0, missing_rate=0.0))
    assert no_missing.column_names == ["num_0"]


def test_no_nan_and_nulls_only_in_miss_columns(table: pa.Table) -> None:
    for name in table.column_names:
        column = table[name]
        if pa.types.is_floating(column.type):
            assert pc.sum(pc.is_nan(column)).as_py() in (0, None), name  # missing values are null, never NaN
        if name.startswith("miss_"):
            assert 0.17 < column.null_count / table.num_rows < 0.23
        else:
            assert column.null_count == 0, name


def test_numeric_columns_have_a_healthy_spread(table: pa.Table) -> None:
    for name in [c for c in table.column_names if c.startswith(("num_", "miss_"))]:
        values = table[name].drop_null().to_numpy()
        assert values.dtype == np.float64
        assert values.std() >= 0.5 and values.std() >= 1e-6 * max(1.0, abs(values.mean())), name
        assert len(np.unique(values)) > 10, name


def test_miss_columns_are_on_a_grid_so_modes_exist(table: pa.Table) -> None:
    values = table["miss_0"].drop_null().to_numpy()
    np.testing.assert_allclose(values * 10, np.round(values * 10), atol=1e-9)
    assert np.unique(values, return_counts=True)[1].max() > 1


def test_categories_are_strings_from_the_cardinality(table: pa.Table) -> None:
    for name in ("cat_0", "cat_1", "cat_2"):
        assert table[name].type == pa.string()
        distinct = set(table[name].to_pylist())
        assert distinct <= {f"v{k:02d}" for k in range(12)} and len(distinct) > 6


def test_text_is_ascii_words_separated_by_spaces_and_tabs(table: pa.Table) -> None:
    docs = table["text"].to_pylist()
    assert all(doc.isascii() for doc in docs)
    characters = set("".join(docs))
    assert characters <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ \t")
    assert {" ", "\t"} <= characters and any(c.isupper() for c in characters)
    assert any("  " in doc for doc in docs)  # runs of spaces, which a naive split(" ") gets wrong
    assert all(doc.split() for doc in docs)  # every document has at least one word


def test_invalid_specs_are_user_errors() -> None:
    with pytest.raises(UserError, match="--rows must be at least 1"):
        generate_table(DatasetSpec(rows=0))
    with pytest.raises(UserError, match="--missing-rate must be in"):
        generate_table(DatasetSpec(missing_rate=1.0))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip_through_files(table: pa.Table, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"data{suffix}"
    write_table(table, str(path))
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
    source = resolve_input(str(path))
    assert source.schema == {c: (STRING if c.startswith(("cat_", "text")) else NUMERIC) for c in table.column_names}
    loaded = NumpyEngine(EngineOptions()).load(source, table.column_names)
    for name in table.column_names:
        got = loaded[name]
        if isinstance(got, np.ndarray):
            expected = table[name].to_numpy(zero_copy_only=False).astype(np.float64)
            assert np.array_equal(got, expected, equal_nan=True), name  # floats exact, nulls where they were
        else:
            assert got.to_pylist() == table[name].to_pylist(), name  # tabs, runs of spaces and case survive
