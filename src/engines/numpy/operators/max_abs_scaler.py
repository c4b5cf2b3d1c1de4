"""MaxAbsScaler: x / max|x| per column; an all-zero column gives 0 (it is divided by 1)."""

from ..kernels import min_and_max, require_values

IMPLEMENTATION = "native"


def fit(frame, step):
    scales = []
    for col in step.input_cols:
        low, high = min_and_max(frame[col])
        require_values(low, frame[col], step.name, col)
        scales.append(max(-low, high) or 1.0)
    return scales


def transform(frame, state, step):
    return frame.with_columns({name: frame[col] / scale
                               for name, col, scale in zip(step.output_cols, step.input_cols, state)})
