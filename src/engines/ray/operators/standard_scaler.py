"""StandardScaler: Ray's own StandardScaler, (x - mean) / population std, a constant column gives 0.

Ray always centres and scales. For with_mean=false or with_std=false the fit is still Ray's (its Mean and
population Std aggregates); an Arrow map_batches then applies only the asked-for parts (native+adapter),
treating a std below Ray's 1e-8 as a constant column, as Ray's own transform does.
"""

from functools import partial

import pyarrow as pa
import pyarrow.compute as pc
from ray.data.preprocessors import StandardScaler

from ..vectors import map_columns

IMPLEMENTATION = "native"
EPSILON = 1e-8  # ray.data.preprocessors.scaler._EPSILON


def label(step) -> str:
    return IMPLEMENTATION if _native(step) else "native+adapter"


def _native(step) -> bool:
    return step.params["with_mean"] and step.params["with_std"]


def fit(ds, step):
    return StandardScaler(columns=list(step.input_cols), output_columns=list(step.output_cols)).fit(ds)


def transform(ds, scaler, step):
    if _native(step):
        return scaler.transform(ds)
    stats = [(scaler.stats_[f"mean({c})"], scaler.stats_[f"std({c})"]) for c in step.input_cols]
    scale = partial(_scale, with_mean=step.params["with_mean"], with_std=step.params["with_std"])
    return map_columns(ds, step.input_cols, step.output_cols, scale, stats)


def _scale(column: pa.ChunkedArray, stats: tuple[float, float], with_mean: bool, with_std: bool) -> pa.Array:
    mean, std = stats
    x = column.cast(pa.float64())
    if with_std and std < EPSILON:
        return pc.multiply(x, 0.0)
    shifted = pc.subtract(x, mean) if with_mean else x
    return pc.divide(shifted, std) if with_std else shifted
