"""MinMaxScaler: (x - min) / (max - min) mapped onto [lo, hi]; a constant column gives lo."""

import numpy as np

IMPLEMENTATION = "native"


def fit(frame, step):
    columns = [frame[c] for c in step.input_cols]
    return np.array([x.min() for x in columns]), np.array([x.max() for x in columns])


def transform(frame, state, step):
    lo, hi = step.params["min"], step.params["max"]
    out = {}
    for name, col, mn, mx in zip(step.output_cols, step.input_cols, *state):
        x = frame[col]
        if mx > mn:
            y = (x - mn) / (mx - mn)
            if (lo, hi) != (0.0, 1.0):
                y = y * (hi - lo) + lo
        else:
            y = np.full_like(x, lo)
        out[name] = y
    return frame.with_columns(out)
