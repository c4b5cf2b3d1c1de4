"""Imputer: nulls replaced by the mean, lower median, smallest mode or a constant of the non-null values.

mean and constant are Ray's SimpleImputer (native). Ray has no median, and its most_frequent breaks ties by
first encounter, which depends on the block layout; so median and mode are custom: one Ray aggregate of value
counts per column (aggregates.py), then Arrow fill_null in map_batches. Missing values are nulls in the Arrow
blocks, never NaN (Ray's Mean would return None on a NaN).
"""

import pyarrow as pa
import pyarrow.compute as pc
from ray.data.preprocessors import SimpleImputer

from ..aggregates import LowerMedian, SmallestMode
from ..vectors import map_columns

IMPLEMENTATION = "native"
CUSTOM = {"median": LowerMedian, "mode": SmallestMode}


def label(step) -> str:
    return "custom" if step.params["strategy"] in CUSTOM else IMPLEMENTATION


def fit(ds, step):
    strategy, inputs = step.params["strategy"], list(step.input_cols)
    if strategy == "constant":  # Ray's constant imputer has nothing to fit
        return SimpleImputer(inputs, "constant", step.params["fill_value"], output_columns=list(step.output_cols))
    if strategy == "mean":
        return SimpleImputer(inputs, "mean", output_columns=list(step.output_cols)).fit(ds)
    aggregates = [CUSTOM[strategy](c) for c in inputs]
    stats = ds.aggregate(*aggregates)
    return [stats[a.name] for a in aggregates]


def transform(ds, state, step):
    if isinstance(state, SimpleImputer):
        return state.transform(ds)
    return map_columns(ds, step.input_cols, step.output_cols, _fill, state)


def _fill(column: pa.ChunkedArray, value: float) -> pa.ChunkedArray:
    return pc.fill_null(column.cast(pa.float64()), value)
