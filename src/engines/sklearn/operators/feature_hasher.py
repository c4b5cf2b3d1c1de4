"""FeatureHasher: Spark's FeatureHasher rebuilt on the reference's kernel (custom).

scikit-learn's FeatureHasher gives the same feature strings (`c=value`, and the column name for a number with the
value) but hashes them with MurmurHash3 seed 0, takes abs() modulo n and alternates signs, so it cannot give
Spark's buckets. The kernel (src/engines/numpy/feature_hashing.py) hashes each distinct `c=value` once with seed
42, floored modulo, and sums collisions into a CSR matrix.
"""

from src.bench.spec.operators import STRING
from src.engines.numpy.feature_hashing import hashed_features

IMPLEMENTATION = "custom"


def transform(frame, state, step):
    strings = [kind == STRING for kind in step.input_kinds]
    matrix = hashed_features([frame[c] for c in step.input_cols], step.input_cols, strings,
                             step.params["num_features"], frame.n_rows)
    return frame.with_columns({step.output_cols[0]: matrix})
