"""MinMaxScaler: (x - min) / (max - min) mapped onto [lo, hi]; a constant column gives lo."""

import numpy as np

from ..kernels import affine, min_and_max, require_values

IMPLEMENTATION = "native"


def fit(frame, step):
    stats = [min_and_max(frame[c]) for c in step.input_cols]
    for col, (low, _) in zip(step.input_cols, stats):
        require_values(low, frame[col], step.name, col)
    return stats


def transform(frame, state, step):
    lo, hi = step.params["min"], step.params["max"]
    out = {}
    for name, col, (mn, mx) in zip(step.output_cols, step.input_cols, state):
        x = frame[col]
        out[name] = affine(x, mn, (hi - lo) / (mx - mn), lo) if mx > mn else np.full_like(x, lo)
    return frame.with_columns(out)
