"""The consistency check: exact where it must be, tolerant only by the operator's rtol of the column's scale."""

import numpy as np
import scipy.sparse as sp

from src.bench.run.consistency import clip, compare_outputs, first_example, sample_rows


def check(got, ref, kind="numeric", rtol=1e-9):
    return compare_outputs({"c": got}, {"c": ref}, {"c": kind}, {"c": rtol})["columns"]["c"]


def test_dense_within_and_beyond_tolerance() -> None:
    ref = np.array([0.0, 1.0, -2.0, 1e-14])
    assert check(ref + 1e-10, ref)["verdict"] == "ok"  # 1e-10 <= 1e-9 * max|ref| (2)
    bad = ref.copy()
    bad[2] += 1e-6
    result = check(bad, ref)
    assert result["verdict"] == "inconsistent" and result["mismatches"] == 1 and result["first_mismatch_row"] == 2
    assert abs(result["max_abs_diff"] - 1e-6) < 1e-12


def test_error_near_zero_is_judged_against_the_column_scale() -> None:
    ref = np.array([1e-13, 3.0, -3.0])
    got = ref + np.array([1.6e-12, 0.0, 0.0])  # a centring error of a few ulp of the column's scale
    assert check(got, ref)["verdict"] == "ok"


def test_nulls_must_match_and_integers_are_exact() -> None:
    ref = np.array([0.0, np.nan, 2.0])
    assert check(np.array([0.0, np.nan, 2.0]), ref, kind="index", rtol=0.0)["verdict"] == "ok"
    assert check(np.array([0.0, 1.0, 2.0]), ref, kind="index", rtol=0.0)["mismatches"] == 1
    assert check(np.array([0.0, np.nan, 3.0]), ref, kind="index", rtol=0.0)["verdict"] == "inconsistent"


def test_tokens_and_sparse() -> None:
    assert check([["a", "b"], []], [["a", "b"], []], kind="tokens")["verdict"] == "ok"
    assert check([["a"], []], [["a", "b"], []], kind="tokens")["first_mismatch_row"] == 0
    assert check([["a"], None], [["a"], None], kind="tokens")["verdict"] == "ok"
    assert check([["a"], []], [["a"], None], kind="tokens")["first_mismatch_row"] == 1  # null doc is not empty
    assert check([None, ["a"]], [[], ["a"]], kind="tokens")["first_mismatch_row"] == 0
    ref = sp.csr_matrix(np.array([[0, 1.0, 0], [2.0, 0, 0]]))
    assert check(ref.copy(), ref, kind="vector", rtol=0.0)["verdict"] == "ok"
    moved = sp.csr_matrix(np.array([[0, 1.0, 0], [0, 2.0, 0]]))
    assert check(moved, ref, kind="vector", rtol=0.0)["mismatches"] == 1
    wider = sp.csr_matrix((2, 4))
    assert "shape" in check(wider, ref, kind="vector")["detail"]


def test_sample_rows() -> None:
    assert sample_rows(10, 100) is None
    rows = sample_rows(1_000_001, 1000)
    assert rows[0] == 0 and rows[-1] == 1_000_000 and len(rows) == 1000 and np.all(np.diff(rows) > 0)


def test_numeric_examples_name_rows_and_render_floats_and_nulls() -> None:
    ref = np.array([0.0, 0.1, -2.0, 0.5])
    got = np.array([0.0, 0.30000000000000004, -2.0, np.nan])
    result = check(got, ref)
    assert result["examples"] == [
        {"row": 1, "reference": "0.1", "engine": "0.30000000000000004"},
        {"row": 3, "reference": "0.5", "engine": None},
    ]
    assert "examples" not in check(ref.copy(), ref)  # only a column that differs keeps examples


def test_index_examples_read_as_integers() -> None:
    result = check(np.array([0.0, 1.0, 3.0]), np.array([0.0, np.nan, 2.0]), kind="index", rtol=0.0)
    assert result["examples"] == [
        {"row": 1, "reference": None, "engine": "1"},
        {"row": 2, "reference": "2", "engine": "3"},
    ]


def test_sampled_rows_are_named_by_their_row_number_in_the_input() -> None:
    ref, got = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.5, 3.0])
    result = compare_outputs({"c": got}, {"c": ref}, {"c": "numeric"}, {"c": 1e-9}, np.array([0, 500, 999]))
    column = result["columns"]["c"]
    assert column["first_mismatch_row"] == 500
    assert column["examples"] == [{"row": 500, "reference": "2.0", "engine": "2.5"}]


def test_token_examples_and_the_first_example_line() -> None:
    ref = [["a", "b"], ["español"], None, ["x"]]
    got = [["a", "b"], ["espaÑol"], ["x"], ["x"]]
    result = compare_outputs({"t": got}, {"t": ref}, {"t": "tokens"}, {"t": 0.0}, np.array([3, 17, 40, 41]))
    assert result["columns"]["t"]["examples"] == [
        {"row": 17, "reference": "['español']", "engine": "['espaÑol']"},
        {"row": 40, "reference": None, "engine": "['x']"},
    ]
    assert first_example(result) == "t row 17: reference ['español'] vs engine ['espaÑol']"


def test_sparse_examples_show_the_non_zeros_of_a_row() -> None:
    ref = sp.csr_matrix(np.array([[0, 1.0, 0], [2.0, 0, 0], [0, 0, 0]]))
    got = sp.csr_matrix((np.array([1.0, 2.0, 0.0, 0.5]), np.array([1, 1, 0, 2]), np.array([0, 1, 3, 4])),
                        shape=(3, 3))  # row 1 stores an explicit zero at index 0
    assert check(got, ref, kind="vector", rtol=0.0)["examples"] == [
        {"row": 1, "reference": "{0: 2.0}", "engine": "{1: 2.0}"},
        {"row": 2, "reference": "{}", "engine": "{2: 0.5}"},
    ]


def test_examples_are_the_first_five_and_long_values_are_cut() -> None:
    ref = np.arange(8.0)
    result = check(ref + 1.0, ref)
    assert result["mismatches"] == 8 and [e["row"] for e in result["examples"]] == [0, 1, 2, 3, 4]
    long = check([["w" * 100]], [["v"]], kind="tokens")["examples"][0]["engine"]
    assert long == "['" + "w" * 77 + "…" and len(long) == 80
    assert clip("abcdef", 4) == "abc…" and clip("abcd", 4) == "abcd"


def test_first_example_cuts_values_and_falls_back_to_the_detail() -> None:
    result = compare_outputs({"c": [["x" * 50]]}, {"c": [["y"]]}, {"c": "tokens"}, {"c": 0.0})
    assert first_example(result, chars=10) == "c row 0: reference ['y'] vs engine ['xxxxxxx…"
    missing = compare_outputs({}, {"c": np.array([1.0])}, {"c": "numeric"}, {"c": 0.0})
    assert missing["columns"]["c"]["examples"] == []
    assert first_example(missing) == "c: column missing from the engine's output"
    assert first_example({"verdict": "ok", "columns": {}}) is None
    old = {"verdict": "inconsistent", "columns": {"c": {"verdict": "inconsistent", "mismatches": 3}}}
    assert first_example(old) is None  # a result written before examples were kept
