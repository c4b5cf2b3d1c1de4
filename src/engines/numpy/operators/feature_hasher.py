"""FeatureHasher: Spark's FeatureHasher over string and numeric columns into one sparse vector (the kernel:
src/engines/numpy/feature_hashing.py). Integer and boolean columns are numbers here (held as float64)."""

from src.bench.spec.operators import STRING

from ..feature_hashing import hashed_features

IMPLEMENTATION = "native"


def transform(frame, state, step):
    strings = [kind == STRING for kind in step.input_kinds]
    matrix = hashed_features([frame[c] for c in step.input_cols], step.input_cols, strings,
                             step.params["num_features"], frame.n_rows)
    return frame.with_columns({step.output_cols[0]: matrix})
