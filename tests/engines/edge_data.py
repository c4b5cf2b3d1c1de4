"""Train and test files with the edge cases every engine is checked on: nulls in miss_* (an even count of observed
values in miss_0 and an odd one in miss_1, so both median rules matter), a column constant at fit (and varying
at transform), mixed-case text with tabs, empty and whitespace-only documents, categories whose code-point order
differs from a case-insensitive one, cat_0 values the training data does not have (sorting before and after
every training category), and int64 columns (numbers, and categories ordered numerically). Besides that main
pair, small pairs that each hold one edge case on its own: a tiny table (mode ties, a not-quite-exact
constant), a batch made only of blank documents, an empty-string category, all-zero columns and rows, missing and
odd values to hash.

Every table is inside the input rules of docs/operators.md (nulls in categories and text and Unicode text are),
so every engine must agree with the numpy reference on all of them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from src.bench.data.generate import DatasetSpec, generate_table, write_table
from src.bench.run.facts import EngineOptions
from src.engines.numpy.engine import NumpyEngine

UNSEEN = ["0_unseen", "~unseen"]  # code points before "v0" and after "v5"
# Empty and whitespace-only documents (a CSV field with a line break is quoted, and read back whole).
BLANK_DOCUMENTS = ["", " ", "\t", "  \t  ", "\t \n\t\x0b\x0c"]
# Hand-made rows appended to the main pair: code-point order Z < a < ab < v0..v5 < é < ｚ < 😀 (not a
# case-insensitive, locale or UTF-16 order), a null category; text with a leading tab, runs of blanks, an empty
# document, repeated words in mixed case, a null document, Unicode capitals with special case mappings and a line
# break.
EDGE_CATEGORIES = ["Z", "a", "é", "😀", "ab", None, "\uff5a"]
EDGE_TEXT = ["  Leading\tTAB  and   runs ", "", "x Y x y X", "\t\t", "MiXeD\tcase  TEXT", None,
             "Straße İSTANBUL\nΟΔΟΣ 😀Emoji\u00a0NBSP"]


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
    return replaced(table, "cat_0", values)


def replaced(table: pa.Table, name: str, values) -> pa.Table:
    """The table with column `name` replaced by `values` (same type as before)."""
    return table.set_column(table.schema.get_field_index(name), name, pa.array(values, table.schema.field(name).type,
                                                                                from_pandas=True))


def with_blank_documents(table: pa.Table, every: int = 7) -> pa.Table:
    """Every `every`-th document becomes empty or whitespace-only. They stay apart, so no engine batch of more
    than one row is made of blank documents only (that case has a table of its own: `blank_batch`)."""
    values = table.column("text").to_pylist()
    for i in range(3, len(values), every):
        values[i] = BLANK_DOCUMENTS[(i // every) % len(BLANK_DOCUMENTS)]
    return replaced(table, "text", values)


def with_edge_rows(table: pa.Table) -> pa.Table:
    """EDGE_CATEGORIES in cat_0 and EDGE_TEXT in text on rows appended at the end (other columns: copies of the
    first rows)."""
    n = len(EDGE_TEXT)
    edges = {name: table[name].slice(0, n).combine_chunks() for name in table.column_names}
    edges["cat_0"] = pa.array(EDGE_CATEGORIES)
    edges["text"] = pa.array(EDGE_TEXT)
    return pa.concat_tables([table, pa.table(edges, schema=table.schema)])


def with_even_and_odd_counts(table: pa.Table) -> pa.Table:
    """miss_0 gets an even number of observed values, miss_1 an odd one, so both median rules are exercised."""
    for name, parity in (("miss_0", 0), ("miss_1", 1)):
        values = table[name].to_numpy(zero_copy_only=False).copy()
        observed = np.flatnonzero(~np.isnan(values))
        if len(observed) % 2 != parity:
            values[observed[0]] = np.nan
        table = replaced(table, name, values)
    return table


def with_integer_columns(table: pa.Table, seed: int, categories: list[int]) -> pa.Table:
    """num_int: whole numbers in an int64 column (numbers for the scalers); cat_int: int64 categories, ordered
    numerically (-1 < 2 < 9 < 10 < 100; text order would be "-1" < "10" < "100" < "2" < "9")."""
    rng = np.random.default_rng(seed)
    n = table.num_rows
    table = table.append_column("num_int", pa.array(rng.integers(-50, 1000, n), pa.int64()))
    return table.append_column("cat_int", pa.array(rng.choice(categories, n), pa.int64()))


def main_pair() -> tuple[pa.Table, pa.Table]:
    """Train (300 + 5 rows, num_const 0.1 everywhere: its float mean is not exactly 0.1) and test (120 + 5 rows,
    every 5th cat_0 unseen, num_const varying, cat_int with the unseen 3 and 11)."""
    common = dict(numeric=3, vocab_size=80, missing_rate=0.25)
    train = with_even_and_odd_counts(with_edge_rows(with_blank_documents(edge_table(300, seed=1, constant=0.1,
                                                                                    **common))))
    test = with_edge_rows(with_blank_documents(with_unseen(edge_table(120, seed=2, constant=0.1, **common), every=5)))
    test = replaced(test, "num_const", np.linspace(-3.0, 5.0, test.num_rows))
    return (with_integer_columns(train, 3, [-1, 2, 9, 10, 100]),
            with_integer_columns(test, 4, [-1, 2, 3, 9, 10, 11, 100]))


MAIN_TEST_UNSEEN = len(range(0, 120, 5))  # cat_0 values of the main test table that training never saw

# Seven rows, fitted and transformed as they are: ties and exact rules a big random table rarely hits.
TINY = pa.table({
    "num_const": [0.1] * 7,  # constant, though its float mean is not exactly 0.1
    "num_b": [1.0, 2.0, 3.0, 4.0, 10.0, -5.0, 0.5],
    "num_iqr0": [5.0, 5.0, 1.0, 5.0, 5.0, 9.0, 5.0],  # not constant, yet Q(0.25) = Q(0.75) = 5: RobustScaler gives 0
    "num_signed": [-0.0, 0.0, -1.0, 0.1, -0.0, 100.0, 1.0],  # -0.0 falls in 0.0's bucket; values on the splits
    "miss_0": [1.0, None, 2.0, None, 2.0, 1.0, 3.0],  # mode tie 1.0 / 2.0 -> 1.0; lower median 2.0
    "cat_0": ["B", "a", "b", "\u00e9", "a", "B", "Z"],  # code-point order: B Z a b \u00e9
    # no blank document here: with one row per engine batch (more CPUs than rows), it would be a blank batch
    "text": ["\tA\tb  ", "Hello  World", "x", "MiXeD\tcase  text", " lead", "A a  A", "b\tB"],
})


def blank_batch_pair() -> tuple[pa.Table, pa.Table]:
    """The second half of each table's documents is empty or whitespace-only, so an engine that splits the rows
    into two or more batches gets a batch made only of blank documents."""
    pair = []
    for rows, seed in ((40, 21), (30, 22)):
        table = edge_table(rows, seed=seed, constant=1.0)
        values = table.column("text").to_pylist()
        for i in range(rows // 2, rows):
            values[i] = BLANK_DOCUMENTS[i % len(BLANK_DOCUMENTS)]
        pair.append(replaced(table, "text", values))
    return pair[0], pair[1]


def empty_category_pair() -> tuple[pa.Table, pa.Table]:
    """cat_0 holds the empty string, a category like any other (it sorts first)."""
    pair = []
    for rows, seed in ((40, 31), (30, 32)):
        table = edge_table(rows, seed=seed, constant=1.0)
        values = table.column("cat_0").to_pylist()
        pair.append(replaced(table, "cat_0", ["" if i % 3 == 0 else v for i, v in enumerate(values)]))
    return pair[0], pair[1]


def zeros_pair() -> tuple[pa.Table, pa.Table]:
    """For the vector operators: num_zero is all zeros at fit (MaxAbsScaler divides by 1, also on the test rows,
    where it is not), and rows 1, 3 and 6 are all zeros (Normalizer leaves a zero row at zero; Spark packs it as a
    sparse vector, the others dense)."""
    train = pa.table({"num_0": [3.0, 0.0, -1.0, 0.0, 2.5, -4.0, 0.0], "num_1": [4.0, 0.0, 2.0, 0.0, -0.5, 1.0, 0.0],
                      "num_zero": [0.0] * 7})
    test = pa.table({"num_0": [0.0, 6.0, -8.0, 1e-3, 0.0], "num_1": [0.0, -2.0, 1.0, 0.0, 5.0],
                     "num_zero": [0.0, 0.0, 2.0, -3.0, 0.0]})
    return train, test


def hashing_pair() -> tuple[pa.Table, pa.Table]:
    """For FeatureHasher: missing numbers (null and NaN) and missing, empty and non-ASCII strings, which put nothing
    or hash as `c=`, `c=é😀`; an int64 column, hashed as a number; train and test alike (nothing is fitted)."""
    table = pa.table({
        "num_0": pa.array([1.5, None, 0.0, -2.0, float("nan"), 4.0], pa.float64()),
        "num_int": pa.array([3, -1, 0, 7, 2, 3], pa.int64()),
        "cat_0": ["a", None, "", "\u00e9\U0001F600", "a", "b"],
        "cat_1": ["x", "y", None, "x", "z", ""],
    })
    return table, table


def vocabulary_ties_pair() -> tuple[pa.Table, pa.Table]:
    """CountVectorizer's cut-off: after c (4), a (3) and b (2), z é ｚ 😀 tie at 1, in code point order (UTF-16 order,
    Java's, puts 😀 before ｚ: vocab_size 6 keeps ｚ); a null and an empty document; unseen tokens in test."""
    train = ["a a b", "A b z", "\u00e9 \uff5a \U0001f600", None, "", "c C c c"]
    test = ["c a \U0001f600 unseen", None, "\uff5a \uff5a b", "zz"]
    return pa.table({"text": train}), pa.table({"text": test})


FORMATS = ("csv", "parquet", "parts")


# Column names of real tables that some engines parse (a dot: a struct field to Spark), resolve without case
# (Spark: num_Ab and num_ab collide), or must quote (spaces, backticks, non-ASCII); each matches its operator's
# default pattern.
ODD_NAMES = {"num_0": "num_a.b", "num_1": "num_Ab", "miss_0": "miss_ (x) y", "miss_1": "miss_`1`",
             "cat_0": "cat_Ü.x", "cat_1": "cat_ü x"}


def odd_names_pair() -> tuple[pa.Table, pa.Table]:
    """A small pair whose columns have ODD_NAMES, plus num_ab beside num_Ab."""
    pair = []
    for rows, seed in ((40, 41), (30, 42)):
        table = edge_table(rows, seed=seed, constant=1.0)
        table = table.rename_columns([ODD_NAMES.get(c, c) for c in table.column_names])
        pair.append(table.append_column("num_ab", pa.array(np.arange(rows, dtype=np.float64))))
    return pair[0], pair[1]


def offsets_pair(ratio: float) -> tuple[pa.Table, pa.Table]:
    """Large offsets at the edge of docs/operators.md's bounds: uniform columns around 1.7e9 (epoch seconds) and
    5e12 (ids) whose spread is `ratio` times their mean, so every engine must be within tolerance on them."""
    pair = []
    for rows, seed in ((2000, 51), (500, 52)):
        rng = np.random.default_rng(seed)
        pair.append(pa.table({f"num_{name}": np.round(base + rng.uniform(0, ratio * base * np.sqrt(12), rows), 3)
                              for name, base in (("epoch", 1.7e9), ("id", 5e12))}))
    return pair[0], pair[1]


def write_train_test(root: Path, train: pa.Table, test: pa.Table) -> dict[str, tuple[Path, Path]]:
    """format -> (train, test) paths: one CSV file, one Parquet file, and `parts`: a directory of three Parquet
    files whose string columns are dictionary-encoded (what pandas writes for a `category` column)."""
    out = {fmt: (root / f"train.{fmt}", root / f"test.{fmt}") for fmt in ("csv", "parquet")}
    out["parts"] = root / "parts" / "train.parquet", root / "parts" / "test.parquet"
    for table, i in ((train, 0), (test, 1)):
        write_table(table, str(out["csv"][i]))
        write_table(table, str(out["parquet"][i]))
        write_parts(table, out["parts"][i])
    return out


def write_parts(table: pa.Table, directory: Path, parts: int = 3) -> None:
    directory.mkdir(parents=True)
    encoded = pa.table({name: column.dictionary_encode() if pa.types.is_string(column.type) else column
                        for name, column in zip(table.column_names, table.columns)})
    bounds = np.linspace(0, table.num_rows, parts + 1).astype(int)
    for i in range(parts):
        pq.write_table(encoded.slice(bounds[i], bounds[i + 1] - bounds[i]), directory / f"part-{i:05d}.parquet")


def assert_loaded_rows_match_reference(engine, data, source, rows) -> None:
    """The engine's loaded input, collected at these row numbers, equals the numpy engine's rows of the file."""
    columns = ["num_0", "miss_0", "cat_0", "text"]
    ref = NumpyEngine(EngineOptions())
    expected = ref.collect(ref.load(source, list(source.schema)), columns, rows)
    got = engine.collect(data, columns, rows)
    np.testing.assert_array_equal(got["num_0"], expected["num_0"])
    np.testing.assert_array_equal(got["miss_0"], expected["miss_0"])  # NaN where null, in both
    assert got["cat_0"] == expected["cat_0"] and got["text"] == expected["text"]
