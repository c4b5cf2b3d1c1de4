"""StandardScaler: z = (x - mean) / population std; a constant column gives 0."""

import numpy as np

from ..kernels import affine, mean_and_std, require_values

IMPLEMENTATION = "native"


def fit(frame, step):
    return [_mean_and_std(frame[c], step.name, c) for c in step.input_cols]


def _mean_and_std(x: np.ndarray, operator: str, column: str) -> tuple[float, float]:
    mean, std = mean_and_std(x)
    require_values(mean, x, operator, column)
    # rounding in the mean leaves a std of ~1e-17 * |mean| on a constant column (0.1 seven times), not 0
    if std <= 1e-9 * abs(mean) and x.min() == x.max():
        return mean, 0.0
    return mean, std


def transform(frame, state, step):
    with_mean, with_std = step.params["with_mean"], step.params["with_std"]
    out = {}
    for name, col, (mean, std) in zip(step.output_cols, step.input_cols, state):
        x = frame[col]
        if with_std and std == 0:
            out[name] = np.zeros_like(x)
        else:
            out[name] = affine(x, mean if with_mean else 0.0, 1.0 / std if with_std else 1.0)
    return frame.with_columns(out)
