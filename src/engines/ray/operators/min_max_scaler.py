"""MinMaxScaler: Ray's own MinMaxScaler, (x - min) / (max - min) on [0, 1], a constant column gives 0.

Ray's range is fixed at [0, 1]; another [min, max] range is Ray's output times (max - min) plus min in an Arrow
map_batches over the output columns (native+adapter). A constant column then gives min, as defined.
"""

from functools import partial

import pyarrow as pa
import pyarrow.compute as pc
from ray.data.preprocessors import MinMaxScaler

from ..vectors import map_columns

IMPLEMENTATION = "native"


def label(step) -> str:
    return IMPLEMENTATION if _native(step) else "native+adapter"


def _native(step) -> bool:
    return (step.params["min"], step.params["max"]) == (0.0, 1.0)


def fit(ds, step):
    return MinMaxScaler(columns=list(step.input_cols), output_columns=list(step.output_cols)).fit(ds)


def transform(ds, scaler, step):
    scaled = scaler.transform(ds)
    if _native(step):
        return scaled
    lo, hi = step.params["min"], step.params["max"]
    outputs = step.output_cols
    return map_columns(scaled, outputs, outputs, partial(_rescale, lo=lo, hi=hi), [None] * len(outputs))


def _rescale(column: pa.ChunkedArray, _state, lo: float, hi: float) -> pa.Array:
    return pc.add(pc.multiply(column, hi - lo), lo)
