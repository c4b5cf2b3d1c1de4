"""Bucketizer: np.digitize over the inner splits (custom: scikit-learn has no transformer for given splits).

`np.digitize(x, inner)` is the number of inner splits at or below x, which is bucket i for [s_i, s_i+1) and puts
s_k in the last bucket. It would also put values outside the splits in the first or last bucket and NaN after the
last: values outside are refused as in the reference, NaN is refused or, with handle_invalid keep, bucket k.
"""

import numpy as np

from src.engines.numpy.operators.bucketizer import require_bucketable

IMPLEMENTATION = "custom"


def transform(frame, state, step):
    splits = np.asarray(step.params["splits"])
    keep = step.params["handle_invalid"] == "keep"
    out = {}
    for name, col in zip(step.output_cols, step.input_cols):
        x = frame[col]
        require_bucketable(x, splits, keep, step.name, col)
        out[name] = np.where(np.isnan(x), len(splits) - 1, np.digitize(x, splits[1:-1])).astype(np.float64)
    return frame.with_columns(out)
