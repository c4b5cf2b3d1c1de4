"""StandardScaler: z = (x - mean) / population std; a constant column gives 0."""

import numpy as np

from ..kernels import affine, mean_and_std

IMPLEMENTATION = "native"


def fit(frame, step):
    return [mean_and_std(frame[c]) for c in step.input_cols]


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
