"""StringIndexer, OneHotEncoder and StringIndexer -> OneHotEncoder on every installed engine, on real-table categories.

Hand-made train and test Parquet files hold the categorical cases of docs/operators.md: nulls (null index, all-zero
one-hot row, never a category, not counted in K), the empty string (a category, first in order), strings that sort
differently by code point and by UTF-16 ("b～" < "b😀" and U+FFFF < U+10000 by code point), an int64 column with nulls
(numeric order: -1 < 2 < 9 < 10 < 100, where text order would give "-1" < "10" < "100" < "2" < "9") and a boolean
column with nulls (false < true). Each engine fits on the train file and transforms the test file, which has unseen
values and nulls. The numpy reference's outputs must equal the hand-computed ones below, and every other engine, in
each of its io-modes, the reference's (exactly: indices and one-hot rows have no tolerance). The engines are started
once for all engine-matrix modules (tests/engines/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from src.bench.data.inputs import InputSource, read_arrow_table, resolve_input
from src.bench.errors import UserError
from src.bench.spec.operators import INTEGER, STRING
from src.bench.spec.plan import plan_pipeline
from tests.engines import conformance as cf

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


def _files(root: Path, train: dict[str, list], test: dict[str, list]) -> tuple[InputSource, InputSource]:
    paths = root / "train.parquet", root / "test.parquet"
    for path, values in zip(paths, (train, test)):
        pq.write_table(_table(values), path)
    return tuple(resolve_input(str(p)) for p in paths)


@pytest.fixture(scope="session")
def files(tmp_path_factory) -> dict[str, dict[str, tuple[InputSource, InputSource]]]:
    """dataset -> format -> (train, test). `no_fitted_values`: every fitted value of cat_s and cat_i is null and
    flag has one category."""
    return {
        "categorical": {"parquet": _files(tmp_path_factory.mktemp("categorical"), TRAIN, TEST)},
        NO_FITTED_VALUES: {"parquet": _files(tmp_path_factory.mktemp("categorical-empty"),
                                             {"cat_s": [None, None], "cat_i": [None, None], "flag": [True, None]},
                                             {"cat_s": ["a", None], "cat_i": [1, None], "flag": [True, False]})},
    }


def test_integer_and_boolean_columns_are_integer_categories(files) -> None:
    source = files["categorical"]["parquet"][0]
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


# --- the reference by hand, every engine against the reference ---------------------------------------------------

NO_FITTED_VALUES = "no_fitted_values"
# StringIndexer gives null everywhere, OneHotEncoder zero-width rows (K = 0)
EXPECTED_WITHOUT_FITTED_VALUES = {
    "StringIndexer": {"cat_s_index": np.array([N, N]), "cat_i_index": np.array([N, N]),
                      "flag_index": np.array([0.0, N])},
    "OneHotEncoder": {"cat_s_onehot": np.zeros((2, 0)), "cat_i_onehot": np.zeros((2, 0)),
                      "flag_onehot": np.array([[1.0], [0.0]])},
}


def assert_expected(got: dict, want: dict) -> None:
    for name, value_wanted in want.items():
        value = got[name]
        if value_wanted.ndim == 2:  # a one-hot column: sparse, K wide, null never counted
            assert value.shape == value_wanted.shape, f"{name}: {value.shape} != {value_wanted.shape}"
            assert value.toarray().tolist() == value_wanted.tolist(), name
        else:
            assert np.array_equal(np.asarray(value, dtype=np.float64), value_wanted, equal_nan=True), (
                f"{name}: {np.asarray(value).tolist()} != {value_wanted.tolist()}")


@pytest.mark.parametrize("case", CASES)
def test_the_reference_gives_the_hand_computed_outputs(files, case: str) -> None:
    sources = files["categorical"]["parquet"]
    assert [s.input_kinds for s in plan_pipeline(*CASES[case], sources[0].schema)][:1] == [(STRING, INTEGER, INTEGER)]
    assert_expected(cf.reference_outputs(sources, *CASES[case])["test"], expected(case))
    if case in EXPECTED_WITHOUT_FITTED_VALUES:
        got = cf.reference_outputs(files[NO_FITTED_VALUES]["parquet"], *CASES[case])["test"]
        assert_expected(got, EXPECTED_WITHOUT_FITTED_VALUES[case])


def _matrix() -> list:
    """Every engine in each of its io-modes, its cases contiguous, so each engine starts once; the cases of one
    dataset run together on one frame (conformance.case_outputs)."""
    return [pytest.param(engine, io_mode, dataset, marks=cf.engine_marks(engine), id=f"{engine}-{dataset}-io={io_mode}")
            for engine in cf.engines_under_test() for io_mode in cf.io_modes(engine) or (None,)
            for dataset in ("categorical", NO_FITTED_VALUES)]


@pytest.fixture()
def sessions(engine_sessions, files):
    return engine_sessions.with_files(files)


@pytest.mark.parametrize(("engine", "io_mode", "dataset"), _matrix())
def test_engine_matches_the_reference(sessions, engine: str, io_mode: str | None, dataset: str) -> None:
    cases = [cf.Case(tuple(operators), params) for name, (operators, params) in CASES.items()
             if dataset == "categorical" or name in EXPECTED_WITHOUT_FITTED_VALUES]
    cf.assert_cases_match_reference(*sessions.load(engine, dataset, "parquet", io_mode), cases)
