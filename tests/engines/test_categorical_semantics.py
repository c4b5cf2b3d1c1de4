"""StringIndexer, OneHotEncoder and StringIndexer -> OneHotEncoder on every installed engine, on real-table categories.

Hand-made train and test Parquet files hold the categorical cases of docs/operators.md: nulls (null index,
all-zero one-hot row, never a category, not counted in K), the empty string (a category, first in order),
strings that sort differently by code point and by UTF-16 ("b～" < "b😀" and U+FFFF < U+10000 by code point),
an int64 column with nulls (numeric order: -1 < 2 < 9 < 10 < 100, where text order would give "-1" < "10" <
"100" < "2" < "9") and a boolean column with nulls (false < true). Each engine fits on the train file and
transforms the test file, which has unseen values and nulls; its outputs must equal the hand-computed ones below
and the numpy reference through the consistency check. Each engine starts once for the module.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from src.bench.data.inputs import read_arrow_table, resolve_input
from src.bench.errors import UserError
from src.bench.registry import create_engine, installed_engines
from src.bench.run.consistency import compare_outputs
from src.bench.run.facts import EngineOptions
from src.bench.run.steps import apply_steps
from src.bench.spec.operators import INTEGER, STRING
from src.bench.spec.plan import output_columns, plan_pipeline

COLUMNS = ["cat_s", "cat_i", "flag"]
TRAIN = {
    "cat_s": ["b\U0001F600", "\uff5e", None, "", "\U0001F600", "b\uff5e", "\uffff", "a", "", "\ue000", "\U00010000"],
    "cat_i": [10, 9, None, 2, 10, -1, 9, None, 100, 2, 9],
    "flag": [True, False, None, True, False, None, True, False, True, True, False],
}
TEST = {
    "cat_s": ["\U0001F600", "\U0001F601", None, "", "zz", "\uff5e"],  # U+1F601 and "zz" unseen
    "cat_i": [100, 11, None, -1, 3, 9],  # 11 and 3 unseen
    "flag": [None, True, False, True, None, False],
}
# Categories, hand-sorted. cat_s by code point: "" < "a" < "b～" < "b😀" < U+E000 < "～" < U+FFFF < "𐀀" < "😀"
# (UTF-16 would put "b😀" before "b～" and "𐀀", "😀" before U+E000). cat_i: -1 < 2 < 9 < 10 < 100. flag: false < true.
K = {"cat_s": 9, "cat_i": 5, "flag": 2}
N = np.nan
TRAIN_INDEX = {
    "cat_s": [3, 5, N, 0, 8, 2, 6, 1, 0, 4, 7],
    "cat_i": [3, 2, N, 1, 3, 0, 2, N, 4, 1, 2],
    "flag": [1, 0, N, 1, 0, N, 1, 0, 1, 1, 0],
}
TEST_INDEX = {
    "cat_s": [8, N, N, 0, N, 5],
    "cat_i": [4, N, N, 0, N, 2],
    "flag": [N, 1, 0, 1, N, 0],
}
# case -> (operators, params); in the pipeline OneHotEncoder reads StringIndexer's index columns
CASES = {
    "StringIndexer": (["StringIndexer"], {"StringIndexer": {"input_cols": COLUMNS}}),
    "OneHotEncoder": (["OneHotEncoder"], {"OneHotEncoder": {"input_cols": COLUMNS}}),
    "pipeline": (["StringIndexer", "OneHotEncoder"], {"StringIndexer": {"input_cols": COLUMNS}}),
}


def _one_hot(index: list[float], width: int) -> list[list[float]]:
    return [[1.0 if i == j else 0.0 for j in range(width)] for i in index]


def expected(case: str) -> dict[str, np.ndarray]:
    """The hand-computed outputs of a case on the test file."""
    if case == "StringIndexer":
        return {f"{c}_index": np.array(TEST_INDEX[c], dtype=np.float64) for c in COLUMNS}
    if case == "OneHotEncoder":
        return {f"{c}_onehot": np.array(_one_hot(TEST_INDEX[c], K[c])) for c in COLUMNS}
    return {**expected("StringIndexer"),
            **{f"{c}_index_onehot": np.array(_one_hot(TEST_INDEX[c], K[c])) for c in COLUMNS}}


def test_the_hand_computed_expectations_hold_together() -> None:
    """The train indices are the ranks of the hand-sorted categories (so K and the test indices follow)."""
    order = {
        "cat_s": ["", "a", "b\uff5e", "b\U0001F600", "\ue000", "\uff5e", "\uffff", "\U00010000", "\U0001F600"],
        "cat_i": [-1, 2, 9, 10, 100],
        "flag": [False, True],
    }
    assert order["cat_s"] == sorted(order["cat_s"])  # Python compares str by code point
    for c in COLUMNS:
        assert sorted(set(TRAIN[c]) - {None}) == order[c] and K[c] == len(order[c])
        assert [N if v is None else order[c].index(v) for v in TRAIN[c]] == pytest.approx(TRAIN_INDEX[c], nan_ok=True)
        assert [N if v not in order[c] else order[c].index(v) for v in TEST[c]] == pytest.approx(
            TEST_INDEX[c], nan_ok=True)


def _table(values: dict[str, list]) -> pa.Table:
    return pa.table({"cat_s": pa.array(values["cat_s"], pa.string()), "cat_i": pa.array(values["cat_i"], pa.int64()),
                     "flag": pa.array(values["flag"], pa.bool_())})


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("categorical")
    train, test = root / "train.parquet", root / "test.parquet"
    pq.write_table(_table(TRAIN), train)
    pq.write_table(_table(TEST), test)
    return train, test


def test_integer_and_boolean_columns_are_integer_categories(files) -> None:
    train, _ = files
    source = resolve_input(str(train))
    assert source.schema == {"cat_s": STRING, "cat_i": INTEGER, "flag": INTEGER}
    table = read_arrow_table(source, COLUMNS)  # how numpy, sklearn, and Spark and Ray with --io-mode pandas read it
    assert table.column("cat_i").to_pylist() == [10.0, 9.0, None, 2.0, 10.0, -1.0, 9.0, None, 100.0, 2.0, 9.0]
    assert table.column("flag").to_pylist()[:4] == [1.0, 0.0, None, 1.0]


def test_dictionary_encoded_categories_and_huge_integers(tmp_path) -> None:
    path = tmp_path / "dict.parquet"
    pq.write_table(pa.table({"cat": pa.array(["x", None, "y"]).dictionary_encode(),
                             "id": pa.array([1, 2**53 + 1, 3], pa.int64())}), path)
    source = resolve_input(str(path))
    assert source.schema == {"cat": STRING, "id": INTEGER}  # a pandas category written to Parquet is a string column
    assert read_arrow_table(source, ["cat"]).column("cat").to_pylist() == ["x", None, "y"]
    with pytest.raises(UserError, match="exact up to 2\\^53; store a column of larger integers .* as strings"):
        read_arrow_table(source, ["id"])


# --- every installed engine ------------------------------------------------------------------------------------

ENGINES = ("numpy", "sklearn", "ray", "spark")
ENGINE_OPTIONS = {"spark": {"spark_master": "local[2]"}}
NO_FITTED_VALUES = "no fitted values"
RAY_READER = "pipeline, Ray's own reader"


def _pairs() -> list:
    """(engine, case) in engine order, so each engine starts once and stops before the next one starts."""
    pairs = []
    for name in ENGINES:
        marks = [pytest.mark.slow] if name in ("spark", "ray") else []
        if name not in installed_engines():
            marks.append(pytest.mark.skip(reason=f"{name} is not installed"))
        cases = [*CASES, NO_FITTED_VALUES, *([RAY_READER] if name == "ray" else [])]
        pairs += [pytest.param(name, case, marks=marks, id=f"{name}-{case}") for case in cases]
    return pairs


@pytest.fixture(scope="module")
def started():
    """engine name -> the started engine; starting one stops the one before (numpy and sklearn need no stop)."""
    current: dict = {}

    def get(name: str):
        if name not in current:
            for engine in current.values():
                engine.stop()
            current.clear()
            engine = create_engine(name, EngineOptions(app_name="prepbench-categorical-test",
                                                       **ENGINE_OPTIONS.get(name, {})))
            engine.check_options()
            engine.start()
            current[name] = engine
        return current[name]

    yield get
    for engine in current.values():
        engine.stop()


def run_case(engine, files: tuple[Path, Path], case: tuple[list[str], dict]) -> dict:
    """Fit the case's steps on the train file, transform the test file, collect every output (all rows)."""
    train_source, test_source = (resolve_input(str(p)) for p in files)
    steps = plan_pipeline(*case, train_source.schema)
    assert [s.input_kinds for s in steps][:1] == [(STRING, INTEGER, INTEGER)]
    train, test = engine.load(train_source, COLUMNS), engine.load(test_source, COLUMNS)
    data, _ = apply_steps(engine, steps, train, test)
    outputs = output_columns(steps)
    result = engine.materialize(data, outputs)
    try:
        return {"steps": steps, "outputs": engine.collect(result, outputs, None)}
    finally:
        engine.release(result)


@pytest.fixture(scope="module")
def reference(files):
    numpy = create_engine("numpy", EngineOptions())
    numpy.start()
    return {name: run_case(numpy, files, case)["outputs"] for name, case in CASES.items()}


@pytest.fixture(scope="module")
def files_without_fitted_values(tmp_path_factory) -> tuple[Path, Path]:
    """Every fitted value of cat_s and cat_i is null; flag has one category."""
    root = tmp_path_factory.mktemp("categorical-empty")
    train, test = root / "train.parquet", root / "test.parquet"
    pq.write_table(_table({"cat_s": [None, None], "cat_i": [None, None], "flag": [True, None]}), train)
    pq.write_table(_table({"cat_s": ["a", None], "cat_i": [1, None], "flag": [True, False]}), test)
    return train, test


def assert_expected(engine_name: str, got: dict, want: dict) -> None:
    for name, value_wanted in want.items():
        value = got[name]
        if value_wanted.ndim == 2:  # a one-hot column: sparse, K wide, null never counted
            assert value.shape == value_wanted.shape, f"{engine_name} {name}: {value.shape} != {value_wanted.shape}"
            assert value.toarray().tolist() == value_wanted.tolist(), f"{engine_name} {name}"
        else:
            assert np.array_equal(np.asarray(value, dtype=np.float64), value_wanted, equal_nan=True), (
                f"{engine_name} {name}: {np.asarray(value).tolist()} != {value_wanted.tolist()}")


@pytest.mark.parametrize(("engine_name", "case"), _pairs())
def test_engine_matches_the_hand_computed_outputs_and_the_reference(engine_name, case, started, files, reference,
                                                                    files_without_fitted_values) -> None:
    engine = started(engine_name)
    if case == NO_FITTED_VALUES:
        # StringIndexer gives null everywhere, OneHotEncoder zero-width rows (K = 0)
        index = run_case(engine, files_without_fitted_values, CASES["StringIndexer"])["outputs"]
        assert_expected(engine_name, index, {"cat_s_index": np.array([N, N]), "cat_i_index": np.array([N, N]),
                                             "flag_index": np.array([0.0, N])})
        onehot = run_case(engine, files_without_fitted_values, CASES["OneHotEncoder"])["outputs"]
        assert_expected(engine_name, onehot, {"cat_s_onehot": np.zeros((2, 0)), "cat_i_onehot": np.zeros((2, 0)),
                                              "flag_onehot": np.array([[1.0], [0.0]])})
        return
    if case == RAY_READER:  # --io-mode engine: Ray's read_parquet tasks, cast to the types read_arrow_table gives
        own_reader = create_engine("ray", EngineOptions(io_mode="engine"))
        own_reader.start()  # joins the running Ray, and so leaves it running when it stops
        try:
            run = run_case(own_reader, files, CASES["pipeline"])
        finally:
            own_reader.stop()
        case = "pipeline"
    else:
        run = run_case(engine, files, CASES[case])
    got, steps = run["outputs"], run["steps"]
    assert_expected(engine_name, got, expected(case))
    kinds = {c: s.spec.output_kind for s in steps for c in s.output_cols}
    rtol = {c: s.spec.rtol for s in steps for c in s.output_cols}
    verdict = compare_outputs(got, reference[case], kinds, rtol)
    assert verdict["verdict"] == "ok", verdict
