"""StringIndexer: index = 0-based rank of the value among the distinct non-null fitted values; unseen or null -> null.

Strings sort by Unicode code point: Arrow compares strings as UTF-8 bytes, whose order is code point order, also
beyond the Basic Multilingual Plane (an emoji sorts after U+FFFF). The empty string is a category like any other.
Integer and boolean columns (held as float64, false 0 and true 1) sort numerically. Null is never a category.
The helpers here are shared with the OneHotEncoder, which numbers its K slots the same way.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from src.bench.errors import UserError
from src.bench.spec.operators import INTEGER

IMPLEMENTATION = "native"


def sorted_categories(values: pa.Array) -> pa.Array:
    """Distinct non-null strings sorted by code point (UTF-8 byte order is code point order)."""
    distinct = pc.unique(values).drop_null()
    return distinct.take(pc.sort_indices(distinct))


def number_categories(values: np.ndarray) -> np.ndarray:
    """Distinct non-null (non-NaN) numbers, ascending."""
    return np.unique(values[~np.isnan(values)])


def categories(values, kind: str, operator: str, column: str):
    """The sorted categories of a column: an Arrow array of strings, or a float64 array of numbers."""
    if not isinstance(values, np.ndarray):
        return sorted_categories(values)
    found = number_categories(values)
    if kind == INTEGER:
        require_whole_numbers(found, operator, column)
    return found


def require_whole_numbers(found: np.ndarray, operator: str, column: str) -> None:
    """An integer column of a CSV file is typed from its first rows; a fraction further down is no category."""
    fractions = found[found != np.round(found)]
    if fractions.size:
        raise UserError(
            f"{operator}: column '{column}' was read as integers but holds {float(fractions[0])!r}; floating-point "
            "numbers are not categories: store the column as strings in the input"
        )


def positions(values, found) -> np.ndarray:
    """Each row's position among the categories (int32), -1 for null or unseen."""
    if isinstance(values, np.ndarray):
        pos = np.searchsorted(found, values)
        hit = (pos < len(found)) & (found[np.minimum(pos, len(found) - 1)] == values) if len(found) else pos < 0
        return np.where(hit, pos, -1).astype(np.int32)
    index = pc.index_in(values, value_set=found).fill_null(-1)
    return index.cast(pa.int32()).to_numpy(zero_copy_only=False)


def fit(frame, step):
    return [categories(frame[c], kind, step.name, c) for c, kind in zip(step.input_cols, step.input_kinds)]


def transform(frame, state, step):
    out = {}
    for name, col, found in zip(step.output_cols, step.input_cols, state):
        values = frame[col]
        if isinstance(values, np.ndarray):
            pos = positions(values, found)
            out[name] = np.where(pos >= 0, pos, np.nan)
        else:
            index = pc.index_in(values, value_set=found)
            out[name] = index.cast(pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
    return frame.with_columns(out)
