"""StandardScaler: z = (x - mean) / population std; a constant column gives 0."""

import numpy as np

IMPLEMENTATION = "native"


def fit(frame, step):
    columns = [frame[c] for c in step.input_cols]
    means = np.array([x.mean() for x in columns])
    stds = np.array([x.std() for x in columns])
    return means, stds


def transform(frame, state, step):
    means, stds = state
    with_mean, with_std = step.params["with_mean"], step.params["with_std"]
    out = {}
    for name, col, mean, std in zip(step.output_cols, step.input_cols, means, stds):
        x = frame[col]
        y = x - mean if with_mean else x.copy()
        if with_std:
            if std > 0:
                y /= std
            else:
                y[:] = 0.0
        out[name] = y
    return frame.with_columns(out)
