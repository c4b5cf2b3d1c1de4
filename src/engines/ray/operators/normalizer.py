"""Normalizer: Ray's Normalizer(norm="l1" | "l2" | "max"), its per-column outputs packed into one vector
(native+adapter).

Ray divides each input column by the row's norm into an output column of its own, and a zero row comes out as
NaN (0 / 0). The adapter, one Arrow map_batches fused with Ray's: the scratch columns become the canonical single
vector column, with 0 for those NaN (the inputs have no missing values, so a NaN here is a zero row's), and are
dropped.
"""

import math

import numpy as np
import pyarrow as pa
from ray.data.preprocessors import Normalizer

from src.bench.data.vectors import from_dense

IMPLEMENTATION = "native+adapter"
NORMS = {1.0: "l1", 2.0: "l2", math.inf: "max"}


def transform(ds, state, step):
    output = step.output_cols[0]
    scratch = [f"_prepbench_normalized_{i}" for i in range(len(step.input_cols))]
    normalized = Normalizer(columns=list(step.input_cols), norm=NORMS[step.params["p"]], output_columns=scratch)

    def pack(batch: pa.Table) -> pa.Table:
        rows = np.column_stack([batch.column(c).to_numpy() for c in scratch])
        return batch.drop_columns(scratch).append_column(output, from_dense(np.nan_to_num(rows, nan=0.0)))

    return normalized.transform(ds).map_batches(pack, batch_format="pyarrow", batch_size=None, zero_copy_batch=True)
