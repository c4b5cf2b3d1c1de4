"""StandardScaler, tuned: Ray's Mean and population Std in one aggregate, then one Arrow map_batches over whole
blocks.

Faster than stock (measured 1.06 s vs 1.27 s at 1e6 rows on a busy machine: a small gain) because every column is
scaled with Arrow kernels in one pass over each whole block, zero-copy, where Ray's StandardScaler transforms in
Ray's default batches; the statistics are the same aggregates as Ray's fit.
A column constant in the fit (std below Ray's 1e-8, as stock) gives 0.
"""

from functools import partial

from ray.data.aggregate import Mean, Std

from ..aggregates import streamed_aggregate
from ..operators.standard_scaler import scale_column
from ..vectors import map_columns

IMPLEMENTATION = "custom"


def fit(ds, step):
    stats = streamed_aggregate(ds, *[Mean(c) for c in step.input_cols], *[Std(c, ddof=0) for c in step.input_cols])
    return [(stats[f"mean({c})"], stats[f"std({c})"]) for c in step.input_cols]


def transform(ds, stats, step):
    scale = partial(scale_column, with_mean=step.params["with_mean"], with_std=step.params["with_std"])
    return map_columns(ds, step.input_cols, step.output_cols, scale, stats)

