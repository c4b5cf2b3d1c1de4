"""Moving columns between the Frame and the 2-D arrays scikit-learn's transformers take and return."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pyarrow as pa

from src.engines.numpy.frame import Frame


def numeric_matrix(frame: Frame, columns: tuple[str, ...]) -> np.ndarray:
    """The float64 columns side by side (n x k, column-major), NaN for null. Read it, never write into it.

    Columns that already sit side by side in one column-major block (the engine's loaded features, or an
    earlier model's output) come back as a view of it; a model's fit and transform then cost no copy, as for
    a scikit-learn user holding X. Other columns are copied into a new block.
    """
    arrays = [frame[c] for c in columns]
    view = _block_view(arrays)
    if view is not None:
        return view
    block = np.empty((frame.n_rows, len(arrays)), order="F")
    for j, values in enumerate(arrays):
        block[:, j] = values
    return block


def _block_view(arrays: list[np.ndarray]) -> np.ndarray | None:
    """`arrays` as one slice of the 2-D array whose consecutive whole columns they are, else None."""
    base = arrays[0].base if arrays else None
    if not (isinstance(base, np.ndarray) and base.ndim == 2 and base.flags.f_contiguous and base.dtype == np.float64):
        return None
    start, rest = divmod(arrays[0].ctypes.data - base.ctypes.data, base.strides[1])
    if rest or start < 0 or start + len(arrays) > base.shape[1]:
        return None
    view = base[:, start : start + len(arrays)]
    for j, values in enumerate(arrays):
        column = view[:, j]
        if not (values.base is base and values.ctypes.data == column.ctypes.data and values.shape == column.shape
                and values.strides == column.strides):
            return None
    return view


def user_layout(frame: Frame) -> Frame:
    """The frame as a scikit-learn user holds features: the float64 columns in one column-major block (their
    order kept), strings as object arrays of str with None for null."""
    columns = frame.columns.items()
    numbers = tuple(c for c, v in columns if isinstance(v, np.ndarray) and v.dtype == np.float64)
    block = numeric_matrix(frame, numbers) if numbers else None
    strings = {c: v.to_numpy(zero_copy_only=False) for c, v in columns if isinstance(v, (pa.Array, pa.ChunkedArray))}
    return frame.with_columns({**{c: block[:, j] for j, c in enumerate(numbers)}, **strings})


def with_matrix(frame: Frame, names: tuple[str, ...], matrix: np.ndarray) -> Frame:
    """The frame plus one output column per column of `matrix`."""
    return frame.with_columns({name: matrix[:, j] for j, name in enumerate(names)})


def as_feature(values: np.ndarray, drop_missing: bool = False) -> np.ndarray:
    """One input column (float64: numbers, integers, booleans as 0/1, indices; or object str) as an (n x 1) array.

    With drop_missing, None and NaN are left out, so a fit never learns "missing" as a category.
    """
    if drop_missing:
        values = values[np.not_equal(values, None) if values.dtype == object else ~np.isnan(values)]
    return values.reshape(-1, 1)


def check_categories(encoder, kind: str, operator: str, column: str):
    """The fitted encoder, once its categories of an integer column are whole numbers (as the reference checks:
    a CSV column typed integer from its first rows may hold a fraction further down)."""
    from src.bench.spec.operators import INTEGER
    from src.engines.numpy.operators.string_indexer import require_whole_numbers

    if kind == INTEGER:
        require_whole_numbers(encoder.categories_[0], operator, column)
    return encoder


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Let Python build millions of small lists (token lists) without the cyclic garbage collector walking them.

    They hold no reference cycles, yet every allocation counts towards a collection: with the collector on,
    tokenizing 1M documents took 4.6-5.4 s instead of 0.75 s (CPython 3.11, measured A/B, 2 cores). Pausing it
    only defers the bill: the first collection afterwards walks all of them (0.7 s more). So the objects made
    meanwhile are frozen (moved to the permanent generation, which collections skip); reference counting still
    frees them.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
