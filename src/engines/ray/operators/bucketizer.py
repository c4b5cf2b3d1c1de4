"""Bucketizer: Ray's CustomKBinsDiscretizer (pd.cut) with left-closed bins, plus an Arrow fix-up of the ends
(native+adapter).

`CustomKBinsDiscretizer(bins=[s_0, ..., s_k-1, nextafter(s_k, inf)], right=False)` gives bucket i for
[s_i, s_i+1) and keeps s_k in the last bucket (pd.cut's bins are half-open); -0.0 compares equal to 0.0. pd.cut
leaves null what falls in no bin: missing values, and x = inf when the last split is inf (nextafter(inf) is
inf). The adapter, one map_batches over Ray's output: a missing input goes to bucket k (handle_invalid keep; under
error the reference check refuses missing values before the engine runs), any other null is x = s_k, bucket k-1.
"""

import math

import pyarrow as pa
import pyarrow.compute as pc
from ray.data.preprocessors import CustomKBinsDiscretizer

IMPLEMENTATION = "native+adapter"


def transform(ds, state, step):
    return bucketize(ds, step.input_cols, step.output_cols, [list(step.params["splits"])] * len(step.input_cols))


def bucketize(ds, inputs, outputs, splits: list[list[float]]):
    """Each input bucketed among its own splits (QuantileDiscretizer buckets with it too)."""
    bins = {c: [*s[:-1], math.nextafter(s[-1], math.inf)] for c, s in zip(inputs, splits)}
    binned = CustomKBinsDiscretizer(list(inputs), bins, right=False, output_columns=list(outputs)).transform(ds)
    triples = [(source, target, len(s) - 1) for source, target, s in zip(inputs, outputs, splits)]

    def fix_ends(batch: pa.Table) -> pa.Table:
        for source, target, k in triples:
            found = pc.fill_null(batch.column(target).cast(pa.float64()), float(k - 1))
            fixed = pc.if_else(pc.is_null(batch.column(source), nan_is_null=True), float(k), found)
            batch = batch.set_column(batch.schema.get_field_index(target), target, fixed)
        return batch

    return binned.map_batches(fix_ends, batch_format="pyarrow", batch_size=None, zero_copy_batch=True)
