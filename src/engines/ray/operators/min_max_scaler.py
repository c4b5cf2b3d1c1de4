"""MinMaxScaler: (x - min) / (max - min) mapped onto [lo, hi] with Ray's own MinMaxScaler; a constant column
gives lo.

The fit and the [0, 1] scaling are Ray's. Ray's output is used as is when it is the canonical one: the range
[0, 1] and no column constant in the fit. Otherwise an Arrow map_batches over Ray's output fixes it
(native+adapter): another range is y * (hi - lo) + lo, and a column that was constant in the fit becomes lo
(Ray divides by 1 there, so new data would give x - min).
"""

from functools import partial

import pyarrow as pa
import pyarrow.compute as pc
from ray.data.preprocessors import MinMaxScaler

from ..vectors import map_columns

IMPLEMENTATION = "native+adapter"
EPSILON = 1e-8  # ray.data.preprocessors.scaler._EPSILON


def fit(ds, step):
    return MinMaxScaler(columns=list(step.input_cols), output_columns=list(step.output_cols)).fit(ds)


def transform(ds, scaler, step):
    lo, hi = step.params["min"], step.params["max"]
    spans = [scaler.stats_[f"max({c})"] - scaler.stats_[f"min({c})"] for c in step.input_cols]
    scaled = scaler.transform(ds)
    if (lo, hi) == (0.0, 1.0) and all(span >= EPSILON for span in spans):
        return scaled
    outputs = step.output_cols
    return map_columns(scaled, outputs, outputs, partial(_rescale, lo=lo, hi=hi), spans)


def _rescale(column: pa.ChunkedArray, span: float, lo: float, hi: float) -> pa.Array:
    if span < EPSILON:
        return pc.add(pc.multiply(column, 0.0), lo)
    return column if (lo, hi) == (0.0, 1.0) else pc.add(pc.multiply(column, hi - lo), lo)
