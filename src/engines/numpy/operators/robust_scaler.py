"""RobustScaler: (x - Q(0.5)) / (Q(upper) - Q(lower)) with exact quantiles Q(p) = x_(ceil(p*n)); IQR 0 gives 0."""

import numpy as np

from ..kernels import affine, order_statistics, require_values

IMPLEMENTATION = "native"


def fit(frame, step):
    probabilities = [0.5, step.params["lower"], step.params["upper"]]
    stats = []
    for c in step.input_cols:
        x = frame[c]
        require_values(float(np.minimum.reduce(x, initial=np.inf)), x, step.name, c)
        stats.append(order_statistics(x, probabilities))
    return stats


def transform(frame, state, step):
    centering, scaling = step.params["with_centering"], step.params["with_scaling"]
    out = {}
    for name, col, (median, low, high) in zip(step.output_cols, step.input_cols, state):
        x = frame[col]
        if scaling and high == low:
            out[name] = np.zeros_like(x)
        else:
            out[name] = affine(x, median if centering else 0.0, 1.0 / (high - low) if scaling else 1.0)
    return frame.with_columns(out)
