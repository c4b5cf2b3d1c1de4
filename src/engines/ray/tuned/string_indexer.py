"""StringIndexer, tuned: the rank among the sorted distinct non-null training values, from Ray primitives; unseen
and null -> null.

Faster than stock: one Arrow aggregate fits every column (no pandas conversion, no value counts), where stock runs
Ray's pandas `value_counts` fit once per column; the transform is one map_batches with no null-filling pass.

custom: the fit merges each block's distinct non-null values and sorts them on the driver by Arrow: strings as
UTF-8 bytes, which is code point order also beyond U+FFFF (the order Ray's encoder gets from Python's `sorted`),
numbers numerically (integer and boolean columns are float64 here, false 0 < true 1). The transform is
`pc.index_in` (what Ray's encoder runs after its null check): null and unseen values find no category and come
out null in an int64 column. The empty string is a category like any other. A column whose fitted rows are all
null has no category: every index is null.
"""

import pyarrow as pa
import pyarrow.compute as pc
from ray.data.aggregate import AggregateFnV2
from ray.data.block import BlockAccessor

from src.bench.spec.operators import INTEGER
from src.engines.numpy.operators.string_indexer import require_whole_numbers

from ..aggregates import streamed_aggregate
from ..vectors import map_columns

IMPLEMENTATION = "custom"


class SortedCategories(AggregateFnV2):
    """The distinct non-null values of a column, sorted; None when it has none (ignore_nulls: a block without a
    value contributes nothing)."""

    def __init__(self, on: str) -> None:
        super().__init__(f"categories({on})", zero_factory=lambda: None, on=on, ignore_nulls=True)

    def aggregate_block(self, block) -> pa.Array | None:
        values = pc.unique(BlockAccessor.for_block(block).to_arrow().column(self._target_col_name)).drop_null()
        return values if len(values) else None

    def combine(self, current: pa.Array, new: pa.Array) -> pa.Array:
        return pc.unique(pa.concat_arrays([current, new]))

    def finalize(self, accumulator: pa.Array) -> pa.Array:
        return _sorted(accumulator)


def _sorted(values: pa.Array) -> pa.Array:
    """Strings by UTF-8 bytes (= code point order), numbers numerically."""
    return values.take(pc.sort_indices(values))


def fit_categories(ds, step) -> list[pa.Array | None]:
    """The sorted categories of every input column, in one aggregate job."""
    aggregates = [SortedCategories(c) for c in step.input_cols]
    stats = streamed_aggregate(ds, *aggregates)
    found = [stats[a.name] for a in aggregates]
    for values, col, kind in zip(found, step.input_cols, step.input_kinds):
        if kind == INTEGER and values is not None:
            require_whole_numbers(values.to_numpy(zero_copy_only=False), step.name, col)
    return found


def positions(column: pa.ChunkedArray, categories: pa.Array | None) -> pa.Array:
    """Each row's position among the categories (int32), null for null or unseen."""
    if categories is None:  # no value in the fitted rows: no category
        return pa.nulls(len(column), pa.int32())
    return pc.index_in(column, value_set=categories)


def fit(ds, step):
    return fit_categories(ds, step)


def transform(ds, state, step):
    return map_columns(ds, step.input_cols, step.output_cols, _index, state)


def _index(column: pa.ChunkedArray, categories: pa.Array | None) -> pa.Array:
    return positions(column, categories).cast(pa.int64())

