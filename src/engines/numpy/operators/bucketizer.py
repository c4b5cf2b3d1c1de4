"""Bucketizer: bucket i holds [s_i, s_i+1), the last bucket [s_k-1, s_k]; -0.0 falls with 0.0.

A value outside the splits is a user error (Spark's rule, even with handle_invalid keep); a missing value is one
too, unless handle_invalid is keep, which puts it in bucket k.
"""

import numpy as np

from src.bench.errors import UserError

from ..kernels import buckets, require_values

IMPLEMENTATION = "native"


def require_within(x: np.ndarray, splits, operator: str, column: str) -> None:
    """Every non-missing value lies within [s_0, s_k]."""
    outside = (x < splits[0]) | (x > splits[-1])
    if outside.any():
        row = int(np.flatnonzero(outside)[0])
        raise UserError(f"{operator}: column '{column}' holds {float(x[row])!r} (row {row}), outside the splits "
                        f"[{splits[0]:g}, {splits[-1]:g}]; make the first and last splits \"-inf\" and \"inf\"")


def require_bucketable(x: np.ndarray, splits, keep: bool, operator: str, column: str) -> None:
    """The input rules: no missing value unless kept, every other value within the splits."""
    if not keep:
        require_values(float(np.minimum.reduce(x, initial=np.inf)), x, operator, column)
    require_within(x, splits, operator, column)


def transform(frame, state, step):
    splits = np.asarray(step.params["splits"])
    keep = step.params["handle_invalid"] == "keep"
    out = {}
    for name, col in zip(step.output_cols, step.input_cols):
        x = frame[col]
        require_bucketable(x, splits, keep, step.name, col)
        out[name] = buckets(x, splits, keep)
    return frame.with_columns(out)
