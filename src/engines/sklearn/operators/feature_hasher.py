"""FeatureHasher: Spark's FeatureHasher rebuilt on the reference's kernel (custom).

scikit-learn's FeatureHasher gives the same feature strings (`c=value`, and the column name for a number with the
value) but hashes them with MurmurHash3 seed 0, takes abs() modulo n and alternates signs, so it cannot give
Spark's buckets. The kernel (src/engines/numpy/feature_hashing.py) hashes each distinct `c=value` once with seed
42, floored modulo, and sums collisions into a CSR matrix.
"""

from src.engines.numpy.operators import feature_hasher as reference

IMPLEMENTATION = "custom"


def transform(frame, state, step):
    return reference.transform(frame, state, step)
