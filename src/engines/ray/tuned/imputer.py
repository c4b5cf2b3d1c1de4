"""Imputer, tuned: every strategy's statistic from Ray aggregates in one job, filled with Arrow in one
map_batches over whole blocks.

Faster than stock for mean and constant, which stock runs through Ray's SimpleImputer: its transform converts
each default-sized batch to pandas and fills there. Median and mode were already custom in stock (its
aggregates of value counts are reused here); all four now share one Arrow `fill_null` pass, zero-copy.
"""

import pyarrow as pa
import pyarrow.compute as pc
from ray.data.aggregate import Mean

from ..aggregates import LowerMedian, SmallestMode, streamed_aggregate
from ..vectors import map_columns

IMPLEMENTATION = "custom"
STATISTICS = {"mean": Mean, "median": LowerMedian, "mode": SmallestMode}


def fit(ds, step):
    strategy = step.params["strategy"]
    if strategy == "constant":
        return [float(step.params["fill_value"])] * len(step.input_cols)
    aggregates = [STATISTICS[strategy](c) for c in step.input_cols]
    stats = streamed_aggregate(ds, *aggregates)
    return [stats[a.name] for a in aggregates]


def transform(ds, fills, step):
    return map_columns(ds, step.input_cols, step.output_cols, _fill, fills)


def _fill(column: pa.ChunkedArray, value: float) -> pa.ChunkedArray:
    return pc.fill_null(column.cast(pa.float64()), value)
