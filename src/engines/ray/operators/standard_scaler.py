"""StandardScaler: (x - mean) / population std with Ray's own StandardScaler; a constant column gives 0.

The fit is always Ray's (its Mean and population Std aggregates). Ray's transform is used as is when it is the
canonical one: with_mean and with_std both on and no column constant in the fit. Otherwise an Arrow
map_batches applies the asked-for parts itself (native+adapter): Ray always centres and scales, and on a column
that was constant in the fit (std below its 1e-8) it divides by 1, so new data there gives x - mean, not 0.
"""

from functools import partial

import pyarrow as pa
import pyarrow.compute as pc
from ray.data.preprocessors import StandardScaler

from ..vectors import map_columns

IMPLEMENTATION = "native+adapter"
EPSILON = 1e-8  # ray.data.preprocessors.scaler._EPSILON


def fit(ds, step):
    return StandardScaler(columns=list(step.input_cols), output_columns=list(step.output_cols)).fit(ds)


def transform(ds, scaler, step):
    with_mean, with_std = step.params["with_mean"], step.params["with_std"]
    stats = [(scaler.stats_[f"mean({c})"], scaler.stats_[f"std({c})"]) for c in step.input_cols]
    if with_mean and with_std and all(std >= EPSILON for _, std in stats):
        return scaler.transform(ds)
    scale = partial(scale_column, with_mean=with_mean, with_std=with_std)
    return map_columns(ds, step.input_cols, step.output_cols, scale, stats)


def scale_column(column: pa.ChunkedArray, stats: tuple[float, float], with_mean: bool, with_std: bool) -> pa.Array:
    mean, std = stats
    x = column.cast(pa.float64())
    if with_std and std < EPSILON:
        return pc.multiply(x, 0.0)
    shifted = pc.subtract(x, mean) if with_mean else x
    return pc.divide(shifted, std) if with_std else shifted
