"""RobustScaler: exact quantiles from one Ray aggregate of value counts, then (x - median) * (1 / IQR) in an Arrow
map_batches (custom).

Ray's RobustScaler takes its quantiles from a KLL sketch in float32 (and needs the `datasketches` package, which
ray[data] does not install): about 0.1 % of the rank off beyond ~800 rows and rounded to float32, where the
canonical quantiles are exact order statistics x_(ceil(p*n)). So the fit is one `Dataset.aggregate` of per-column
value counts (aggregates.py, `OrderStatistics`); an IQR of 0 gives 0, as in the reference.
"""

from functools import partial

import pyarrow as pa
import pyarrow.compute as pc

from ..aggregates import OrderStatistics
from ..vectors import map_columns

IMPLEMENTATION = "custom"


def fit(ds, step):
    probabilities = [0.5, step.params["lower"], step.params["upper"]]
    aggregates = [OrderStatistics(c, probabilities) for c in step.input_cols]
    stats = ds.aggregate(*aggregates)
    return [stats[a.name] for a in aggregates]


def transform(ds, state, step):
    scale = partial(_scale, centering=step.params["with_centering"], scaling=step.params["with_scaling"])
    return map_columns(ds, step.input_cols, step.output_cols, scale, state)


def _scale(column: pa.ChunkedArray, stats: list[float], centering: bool, scaling: bool) -> pa.ChunkedArray:
    median, low, high = stats
    column = column.cast(pa.float64())
    if scaling and high == low:
        return pc.multiply(column, 0.0)
    shifted = pc.subtract(column, median) if centering else column
    return pc.multiply(shifted, 1.0 / (high - low)) if scaling else shifted
