"""Compare an engine's outputs with the numpy reference: integers and tokens exactly, floats within tolerance.

Outputs arrive in the canonical forms described in src/bench/run/engine.py. The verdict of each column and the
worst difference found go into the result, so a reader sees how close "consistent" was; a column that differs
also keeps its first few mismatching rows, rendered, so a reader sees what differs and where to look.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from src.bench.spec.operators import INDEX, NUMERIC, TOKENS, VECTOR

ATOL = 1e-12
EXAMPLES = 5  # mismatching rows kept per column
VALUE_CHARS = 80  # a rendered value longer than this is cut, ending in "…"


@dataclass
class _Diff:
    """What comparing one column found; `bad` holds the positions of the mismatching rows, ascending."""

    rows: int
    bad: Sequence[int] = ()
    max_abs: float = 0.0
    max_rel: float = 0.0
    detail: str = ""


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
    engine_out: dict[str, Any],
    reference: dict[str, Any],
    kinds: dict[str, str],
    rtol: dict[str, float],
    sample: np.ndarray | None = None,
) -> dict[str, Any]:
    """Per-column verdicts and the overall one: "ok" when every column matches.

    `sample` holds the input row numbers of the compared rows (None: every row, in order), so a mismatch names
    the row a person can look up in the input, not its position in the sample.
    """
    columns = {}
    for name, ref in reference.items():
        if name not in engine_out:
            columns[name] = {"verdict": "inconsistent", "detail": "column missing from the engine's output",
                             "examples": []}
            continue
        columns[name] = _compare(engine_out[name], ref, kinds[name], rtol[name], sample)
    verdict = "ok" if all(c["verdict"] == "ok" for c in columns.values()) else "inconsistent"
    return {"verdict": verdict, "columns": columns}


def first_example(consistency: dict[str, Any], chars: int = VALUE_CHARS) -> str | None:
    """The first difference of a check that was not ok as one line for logs and tables, values cut to `chars`:
    "text_tokens row 17: reference ['a'] vs engine ['A']". None when the check was ok or recorded no example
    (a result written before examples were kept)."""
    if consistency.get("verdict") == "ok":
        return None
    for name, column in (consistency.get("columns") or {}).items():
        if column.get("verdict") == "ok":
            continue
        if column.get("examples"):
            e = column["examples"][0]
            return f"{name} row {e['row']}: reference {_shown(e['reference'], chars)} vs engine " \
                   f"{_shown(e['engine'], chars)}"
        if column.get("detail"):
            return f"{name}: {column['detail']}"
    return consistency.get("detail")


def clip(text: str, chars: int = VALUE_CHARS) -> str:
    """`text` cut to `chars` characters, the last one "…" when anything was cut."""
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _shown(value: str | None, chars: int) -> str:
    return "null" if value is None else clip(value, chars)


def _compare(got: Any, ref: Any, kind: str, rtol: float, sample: np.ndarray | None) -> dict[str, Any]:
    if kind in (NUMERIC, INDEX):
        got, ref = np.asarray(got, dtype=np.float64), np.asarray(ref, dtype=np.float64)
        diff = _compare_dense(got, ref, rtol)
    elif kind == TOKENS:
        got, ref = list(got), list(ref)
        diff = _compare_lists(got, ref)
    elif kind == VECTOR:
        import scipy.sparse as sp

        got, ref = sp.csr_matrix(got, dtype=np.float64), sp.csr_matrix(ref, dtype=np.float64)
        diff = _compare_sparse(got, ref, rtol)
    else:
        raise ValueError(f"no comparison for column kind {kind}")
    examples = [
        {"row": _row_number(i, sample), "reference": _render(ref, i, kind), "engine": _render(got, i, kind)}
        for i in diff.bad[:EXAMPLES]
    ]
    return _report(diff, examples, sample)


def _report(diff: _Diff, examples: list[dict[str, Any]], sample: np.ndarray | None) -> dict[str, Any]:
    out = {
        "verdict": "ok" if not len(diff.bad) and not diff.detail else "inconsistent",
        "rows": diff.rows,
        "mismatches": len(diff.bad),
        "max_abs_diff": diff.max_abs,
        "max_rel_diff": diff.max_rel,
    }
    if len(diff.bad):
        out["first_mismatch_row"] = _row_number(diff.bad[0], sample)
    if diff.detail:
        out["detail"] = diff.detail
    if out["verdict"] != "ok":
        out["examples"] = examples
    return out


def _row_number(position: int, sample: np.ndarray | None) -> int:
    return int(position if sample is None else sample[position])


def _render(column: Any, i: int, kind: str) -> str | None:
    """Row i of a canonical column as a person reads it, cut to VALUE_CHARS; None for null."""
    if kind == TOKENS:
        tokens = column[i]
        text = None if tokens is None else repr([str(t) for t in tokens])
    elif kind == VECTOR:
        text = _sparse_row_text(column[i])
    else:
        text = _number_text(float(column[i]), integer=kind == INDEX)
    return None if text is None else clip(text)


def _number_text(value: float, integer: bool) -> str | None:
    """repr keeps every digit that tells two floats apart; an index reads as an integer."""
    if np.isnan(value):
        return None
    return str(int(value)) if integer and value.is_integer() else repr(value)


def _sparse_row_text(row: Any) -> str:
    """A 1-row CSR matrix as {index: value} of its non-zeros, by index (duplicates summed, stored zeros left out)."""
    row.sum_duplicates()
    pairs = [(j, v) for j, v in zip(row.indices.tolist(), row.data.tolist()) if v != 0]
    return "{" + ", ".join(f"{j}: {v!r}" for j, v in pairs) + "}"


def _compare_dense(got: np.ndarray, ref: np.ndarray, rtol: float) -> _Diff:
    if got.shape != ref.shape:
        return _Diff(len(ref), (), np.inf, np.inf, f"shape {got.shape} != reference {ref.shape}")
    null_got, null_ref = np.isnan(got), np.isnan(ref)
    both = ~null_got & ~null_ref
    diff = np.abs(got[both] - ref[both])
    bad = diff > _tolerance(np.abs(ref[both]), rtol)
    mismatch = null_got != null_ref
    mismatch[both] = bad
    rel = diff / np.maximum(np.abs(ref[both]), ATOL) if diff.size else diff
    return _Diff(len(ref), np.flatnonzero(mismatch), float(diff.max(initial=0.0)), float(rel.max(initial=0.0)))


def _compare_lists(got: list, ref: list) -> _Diff:
    if len(got) != len(ref):
        return _Diff(len(ref), (), np.inf, np.inf, f"{len(got)} rows != reference {len(ref)}")
    bad = [i for i, (a, b) in enumerate(zip(got, ref)) if _tokens(a) != _tokens(b)]
    worst = np.inf if bad else 0.0
    return _Diff(len(ref), bad, worst, worst)


def _tokens(row: Any) -> list | None:
    """A null token list stays null: a null document is not an empty one."""
    return None if row is None else list(row)


def _compare_sparse(got: Any, ref: Any, rtol: float) -> _Diff:
    if got.shape != ref.shape:
        return _Diff(ref.shape[0], (), np.inf, np.inf, f"shape {got.shape} != reference {ref.shape}")
    diff = abs(got - ref).tocsr()
    diff.eliminate_zeros()
    diff.sort_indices()
    if diff.nnz == 0:
        return _Diff(ref.shape[0])
    ref_at = np.asarray(abs(ref)[diff.nonzero()]).ravel()
    column_scale = np.asarray(abs(ref).max(axis=0).todense()).ravel()[diff.indices]
    bad = diff.data > ATOL + rtol * np.maximum(ref_at, column_scale)
    rows = np.repeat(np.arange(diff.shape[0]), np.diff(diff.indptr))
    rel = diff.data / np.maximum(ref_at, ATOL)
    return _Diff(ref.shape[0], np.unique(rows[bad]), float(diff.data.max()), float(rel.max()))
