"""The consistency check: exact where it must be, tolerant only by the operator's rtol of the column's scale."""

import numpy as np
import scipy.sparse as sp

from src.bench.run.consistency import compare_outputs, sample_rows


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
