"""StringIndexer: index = 0-based rank of the value among the distinct non-null fitted values; unseen or null ->
null (custom).

Polars has no ML preprocessing library: the fit is one query of every input column's sorted distinct non-null
values (`drop_nulls().unique().sort()`, each imploded into one row; on the streaming engine one query per
column). Polars sorts strings by their UTF-8 bytes, which is code point order, also beyond U+FFFF (an emoji after
U+FFFF); integer, boolean (held as float64) and index columns sort numerically. The transform is `replace_strict`
from the categories to their ranks, with null for everything else (unseen values, and null, which is never a
category). The OneHotEncoder numbers its slots with the same two functions.
"""

import numpy as np
import polars as pl

from src.bench.spec.operators import INTEGER
from src.engines.numpy.operators.string_indexer import require_whole_numbers

from ..table import Table

IMPLEMENTATION = "custom"
# the per-column queries share their whole plan; Polars would compute (and hold) that shared plan once for all
SEPARATE_QUERIES = pl.QueryOptFlags(comm_subplan_elim=False)


def categories(data: Table, step) -> list[pl.Series]:
    """Each input column's sorted distinct non-null values. On the streaming engine one query per column (all run
    together, each on its own: their shared plan, when Polars computes it once for all, is held in memory whole),
    whose distinct rows the streaming engine keeps as it goes: its `unique` of a column inside a select is not
    streamed, and held every input column in memory at once."""
    if data.engine == "streaming":
        frames = pl.collect_all([data.plan.select(c).drop_nulls().unique() for c in step.input_cols],
                                engine="streaming", optimizations=SEPARATE_QUERIES)
        found = [frame.to_series().sort() for frame in frames]
    else:
        table = data.compute(**{c: pl.col(c).drop_nulls().unique().sort().implode() for c in step.input_cols})
        found = [table[c][0] for c in step.input_cols]
    for values, c, kind in zip(found, step.input_cols, step.input_kinds):
        if kind == INTEGER:  # a CSV column typed integer from its first rows may hold a fraction further down
            require_whole_numbers(values.to_numpy(), step.name, c)
    return found


def positions(column: str, found: pl.Series, streaming: bool = False) -> pl.Expr:
    """Each row's position among the categories (uint32), null for null or unseen. On the streaming engine a cast
    to an Enum of the categories in their order (its physical code is the position; unseen values become null):
    `replace_strict` is not streamed, and held whole columns in memory. Numbers go through their text (after
    `+ 0.0`, which makes -0.0 the 0.0 it equals), whose shortest round-trip form is one per value."""
    if streaming:
        if found.dtype == pl.String:
            return pl.col(column).cast(pl.Enum(found.to_list()), strict=False).to_physical()
        text = (found + 0.0).cast(pl.String).unique(maintain_order=True)
        return (pl.col(column) + 0.0).cast(pl.String).cast(pl.Enum(text.to_list()), strict=False).to_physical()
    ranks = pl.Series(np.arange(len(found), dtype=np.uint32))
    return pl.col(column).replace_strict(found, ranks, default=None, return_dtype=pl.UInt32)


def fit(data: Table, step) -> list[pl.Series]:
    return categories(data, step)


def transform(data: Table, state: list[pl.Series], step) -> Table:
    streaming = data.engine == "streaming"
    return data.with_columns(
        {name: positions(col, found, streaming) for name, col, found in zip(step.output_cols, step.input_cols, state)}
    )
