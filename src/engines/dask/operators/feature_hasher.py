"""FeatureHasher: Spark's FeatureHasher on each partition with the reference's kernel (custom: dask-ml has no
FeatureHasher, and scikit-learn's hashes differently).

A `map_partitions` over the input columns runs src/engines/numpy/feature_hashing.py (murmur3 seed 42 of `c=value`
or of the column name, nulls skipped, collisions summed) and writes the sparse vectors in prepbench's layout.
"""

import dask.dataframe as dd
import numpy as np
import pandas as pd

from src.bench.data.vectors import from_csr
from src.bench.spec.operators import STRING
from src.engines.numpy.feature_hashing import hashed_features

from ..columns import VECTORS, arrow, meta, series

IMPLEMENTATION = "custom"


def hashed(part: pd.DataFrame, strings: list[bool], num_features: int, name: str) -> pd.Series:
    columns = [arrow(part[c]) if s else part[c].to_numpy(dtype=np.float64, na_value=np.nan)
               for c, s in zip(part.columns, strings)]
    matrix = hashed_features(columns, list(part.columns), strings, num_features, len(part))
    return series(from_csr(matrix), part.iloc[:, 0]).rename(name)


def transform(data: dd.DataFrame, state, step) -> dd.DataFrame:
    output, strings = step.output_cols[0], [kind == STRING for kind in step.input_kinds]
    vectors = data[list(step.input_cols)].map_partitions(hashed, strings, step.params["num_features"], output,
                                                          meta=meta(output, VECTORS))
    return data.assign(**{output: vectors})
