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


def test_csv_keeps_null_and_empty_strings_apart_and_line_breaks_inside_fields(tmp_path: Path) -> None:
    """What pyarrow, pandas and Spark write: null unquoted and empty, "" the empty string, quoted line breaks."""
    path = tmp_path / "docs.csv"
    rows = "".join(f'"w{i}\nz","v",{i}\n' for i in range(3))
    path.write_text('text,cat,n\n"a\nb",,1\n,"",\n"c\r\n\n d","x",2\n' + rows)
    source = resolve_input(str(path))
    table = read_arrow_table(source, ["text", "cat", "n"])
    assert table.column("text").to_pylist() == ["a\nb", None, "c\r\n\n d", "w0\nz", "w1\nz", "w2\nz"]
    assert table.column("cat").to_pylist() == [None, "", "x", "v", "v", "v"]
    assert table.column("n").to_pylist() == [1.0, None, 2.0, 0.0, 1.0, 2.0]


def test_generated_csv_reads_back_like_its_parquet(tmp_path: Path) -> None:
    """Nulls in categories and text, empty-string categories and Unicode documents with line breaks survive CSV."""
    from src.bench.data.generate import build_spec, write_dataset

    spec = build_spec("text", rows=3000, seed=7)
    for name in ("d.csv", "d.parquet"):
        write_dataset(spec, str(tmp_path / name))
    csv, parquet = (resolve_input(str(tmp_path / n)) for n in ("d.csv", "d.parquet"))
    # whole numbers in CSV text are integers (num_rating: stars): numeric operators read them all the same
    assert csv.schema == {**parquet.schema, "num_rating": "integer"}
    columns = list(parquet.schema)
    got, expected = read_arrow_table(csv, columns), read_arrow_table(parquet, columns)
    assert got.equals(expected)
    text = expected.column("text").to_pylist()
    assert any(t is None for t in text) and any(t and "\n" in t for t in text)
    assert "" in expected.column("cat_0").to_pylist() and None in expected.column("cat_0").to_pylist()


def test_a_directory_of_parquet_parts_is_parquet_whatever_its_name(tmp_path: Path) -> None:
    """What Spark and Hive write: `out/` with part files, a _SUCCESS marker and hidden checksums."""
    out = tmp_path / "out"
    out.mkdir()
    pq.write_table(pa.table({"num_0": [1.0, 2.0]}), out / "part-00000-a.snappy.parquet")
    pq.write_table(pa.table({"num_0": [3.0]}), out / "part-00001-a.snappy.parquet")
    (out / "_SUCCESS").write_bytes(b"")
    (out / ".part-00000-a.snappy.parquet.crc").write_bytes(b"\x00")
    source = resolve_input(str(out))
    assert (source.format, source.schema) == ("parquet", {"num_0": "numeric"})
    assert sorted(read_arrow_table(source, ["num_0"]).column("num_0").to_pylist()) == [1.0, 2.0, 3.0]
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("x")
    with pytest.raises(UserError, match=r"cannot tell the format of .*notes: use a .csv or .parquet file, or a "
                                         r"directory of .parquet files"):
        resolve_input(str(notes))
