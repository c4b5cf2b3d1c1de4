"""Compare an engine's outputs with the numpy reference: integers and tokens exactly, floats within tolerance.

Outputs arrive in the canonical forms described in src/bench/engine.py. The verdict of each column and the
worst difference found go into the result, so a reader sees how close "consistent" was.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from src.bench.spec.operators import INDEX, NUMERIC, TOKENS, VECTOR

ATOL = 1e-12


def _tolerance(ref_abs: np.ndarray, rtol: float) -> np.ndarray:
    """rtol relative to the larger of the value and the column's largest magnitude.

    Engines differ in how they sum a column, so a fitted statistic (a mean of 10 million values) carries an
    error of a few ulp of the column's scale; after centring, that error lands in full on values near zero,
    where a purely per-value relative tolerance would call it a mismatch.
    """
    scale = float(ref_abs.max(initial=0.0))
    return ATOL + rtol * np.maximum(ref_abs, scale)


def sample_rows(n_rows: int, limit: int) -> np.ndarray | None:
    """All rows (None) when there are at most `limit`, else `limit` evenly spaced rows including both ends."""
    if n_rows <= limit:
        return None
    return np.unique(np.linspace(0, n_rows - 1, limit).round().astype(np.int64))


def compare_outputs(
    engine_out: dict[str, Any], reference: dict[str, Any], kinds: dict[str, str], rtol: dict[str, float]
) -> dict[str, Any]:
    """Per-column verdicts and the overall one: "ok" when every column matches."""
    columns = {}
    for name, ref in reference.items():
        if name not in engine_out:
            columns[name] = {"verdict": "inconsistent", "detail": "column missing from the engine's output"}
            continue
        columns[name] = _compare(engine_out[name], ref, kinds[name], rtol[name])
    verdict = "ok" if all(c["verdict"] == "ok" for c in columns.values()) else "inconsistent"
    return {"verdict": verdict, "columns": columns}


def _compare(got: Any, ref: Any, kind: str, rtol: float) -> dict[str, Any]:
    if kind in (NUMERIC, INDEX):
        return _compare_dense(np.asarray(got, dtype=np.float64), np.asarray(ref, dtype=np.float64), rtol)
    if kind == TOKENS:
        return _compare_lists(list(got), list(ref))
    if kind == VECTOR:
        return _compare_sparse(got, ref, rtol)
    raise ValueError(f"no comparison for column kind {kind}")


def _report(mismatches: int, rows: int, max_abs: float, max_rel: float, first: int | None, detail: str = ""):
    out = {
        "verdict": "ok" if mismatches == 0 and not detail else "inconsistent",
        "rows": rows,
        "mismatches": mismatches,
        "max_abs_diff": max_abs,
        "max_rel_diff": max_rel,
    }
    if first is not None:
        out["first_mismatch_row"] = first
    if detail:
        out["detail"] = detail
    return out


def _compare_dense(got: np.ndarray, ref: np.ndarray, rtol: float) -> dict[str, Any]:
    if got.shape != ref.shape:
        return _report(0, len(ref), np.inf, np.inf, None, f"shape {got.shape} != reference {ref.shape}")
    null_got, null_ref = np.isnan(got), np.isnan(ref)
    both = ~null_got & ~null_ref
    diff = np.abs(got[both] - ref[both])
    bad = diff > _tolerance(np.abs(ref[both]), rtol)
    mismatch = null_got != null_ref
    mismatch[both] = bad
    rel = diff / np.maximum(np.abs(ref[both]), ATOL) if diff.size else diff
    first = int(np.argmax(mismatch)) if mismatch.any() else None
    return _report(int(mismatch.sum()), len(ref), float(diff.max(initial=0.0)), float(rel.max(initial=0.0)), first)


def _compare_lists(got: list, ref: list) -> dict[str, Any]:
    if len(got) != len(ref):
        return _report(0, len(ref), np.inf, np.inf, None, f"{len(got)} rows != reference {len(ref)}")
    bad = [i for i, (a, b) in enumerate(zip(got, ref)) if list(a or []) != list(b or [])]
    return _report(len(bad), len(ref), 0.0 if not bad else np.inf, 0.0 if not bad else np.inf, bad[0] if bad else None)


def _compare_sparse(got: Any, ref: Any, rtol: float) -> dict[str, Any]:
    import scipy.sparse as sp

    got, ref = sp.csr_matrix(got, dtype=np.float64), sp.csr_matrix(ref, dtype=np.float64)
    if got.shape != ref.shape:
        return _report(0, ref.shape[0], np.inf, np.inf, None, f"shape {got.shape} != reference {ref.shape}")
    diff = abs(got - ref).tocsr()
    diff.eliminate_zeros()
    diff.sort_indices()
    if diff.nnz == 0:
        return _report(0, ref.shape[0], 0.0, 0.0, None)
    ref_at = np.asarray(abs(ref)[diff.nonzero()]).ravel()
    column_scale = np.asarray(abs(ref).max(axis=0).todense()).ravel()[diff.indices]
    bad = diff.data > ATOL + rtol * np.maximum(ref_at, column_scale)
    rows = np.repeat(np.arange(diff.shape[0]), np.diff(diff.indptr))
    bad_rows = np.unique(rows[bad])
    rel = diff.data / np.maximum(ref_at, ATOL)
    return _report(
        len(bad_rows),
        ref.shape[0],
        float(diff.data.max()),
        float(rel.max()),
        int(bad_rows[0]) if len(bad_rows) else None,
    )
