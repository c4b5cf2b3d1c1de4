"""Input schemas of real files: repeated column names, columns of types no operator reads, pandas categories."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from src.bench.data.inputs import read_arrow_table, resolve_input
from src.bench.errors import UserError
from src.bench.spec.plan import plan_pipeline


def test_a_csv_header_naming_a_column_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("a,b,a\n1,2,3\n")
    with pytest.raises(UserError, match="has two columns named 'a'; rename one"):
        resolve_input(str(path))


def test_a_column_of_another_type_blocks_only_the_runs_that_read_it(tmp_path: Path) -> None:
    path = tmp_path / "mixed.parquet"
    pq.write_table(pa.table({"num_0": [1.0, 2.0], "tags": pa.array([[1], [2, 3]])}), path)
    source = resolve_input(str(path))
    (step,) = plan_pipeline(["StandardScaler"], {}, source.schema)
    assert step.input_cols == ("num_0",)
    with pytest.raises(UserError, match=r"column 'tags' is of unsupported type list<element: int64>"):
        plan_pipeline(["StandardScaler"], {"StandardScaler": {"input_cols": ["tags"]}}, source.schema)


def test_a_pandas_category_column_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "cat.parquet"
    frame = pd.DataFrame({"cat_0": pd.Categorical(["b", None, "a", "b"]), "num_0": [1.0, 2.0, 3.0, 4.0]})
    frame.to_parquet(path)
    assert pa.types.is_dictionary(pq.read_schema(path).field("cat_0").type)
    source = resolve_input(str(path))
    assert source.schema["cat_0"] == "string"
    assert read_arrow_table(source, ["cat_0"]).column("cat_0").to_pylist() == ["b", None, "a", "b"]
