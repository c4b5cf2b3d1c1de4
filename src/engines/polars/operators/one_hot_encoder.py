"""OneHotEncoder: a K-wide 0/1 sparse row over the sorted distinct non-null fitted values; unseen or null -> zeros
(custom).

Polars has no ML preprocessing library: the categories and each row's position are StringIndexer's (code point
order for strings, numeric order for integer, boolean and index columns; null is never a category, so it does
not count in K). A row's vector holds its position with the value 1, or nothing when the position is null
(`position.repeat_by(position.is_not_null())`: [position] or []).
"""

import polars as pl

from ..table import Table, vector
from .string_indexer import categories, positions

IMPLEMENTATION = "custom"


def fit(data: Table, step) -> list[pl.Series]:
    return categories(data, step)


def transform(data: Table, state: list[pl.Series], step) -> Table:
    out = {}
    for name, col, found in zip(step.output_cols, step.input_cols, state):
        position = positions(col, found, data.engine == "streaming")
        seen = position.is_not_null()
        out[name] = vector(len(found), position.repeat_by(seen), pl.lit(1.0).repeat_by(seen))
    return data.with_columns(out)
