"""StringIndexer: index = 0-based rank of the value among the distinct non-null fitted values; unseen or null ->
null (custom).

Polars has no ML preprocessing library: the fit is one query of every input column's sorted distinct non-null
values (`drop_nulls().unique().sort()`, each imploded into one row). Polars sorts strings by their UTF-8 bytes,
which is code point order, also beyond U+FFFF (an emoji after U+FFFF); integer, boolean (held as float64) and
index columns sort numerically. The transform is `replace_strict` from the categories to their ranks, with null
for everything else (unseen values, and null, which is never a category). The OneHotEncoder numbers its slots
with the same two functions.
"""

import numpy as np
import polars as pl

from src.bench.spec.operators import INTEGER
from src.engines.numpy.operators.string_indexer import require_whole_numbers

from ..table import Table

IMPLEMENTATION = "custom"


def categories(data: Table, step) -> list[pl.Series]:
    """Each input column's sorted distinct non-null values."""
    found = data.compute(**{c: pl.col(c).drop_nulls().unique().sort().implode() for c in step.input_cols})
    for c, kind in zip(step.input_cols, step.input_kinds):
        if kind == INTEGER:  # a CSV column typed integer from its first rows may hold a fraction further down
            require_whole_numbers(found[c][0].to_numpy(), step.name, c)
    return [found[c][0] for c in step.input_cols]


def positions(column: str, found: pl.Series) -> pl.Expr:
    """Each row's position among the categories (uint32), null for null or unseen."""
    ranks = pl.Series(np.arange(len(found), dtype=np.uint32))
    return pl.col(column).replace_strict(found, ranks, default=None, return_dtype=pl.UInt32)


def fit(data: Table, step) -> list[pl.Series]:
    return categories(data, step)


def transform(data: Table, state: list[pl.Series], step) -> Table:
    return data.with_columns(
        {name: positions(col, found) for name, col, found in zip(step.output_cols, step.input_cols, state)}
    )
