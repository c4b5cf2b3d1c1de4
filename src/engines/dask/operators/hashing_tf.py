"""HashingTF: term counts at murmur3_x86_32(utf8(token), seed 42) mod num_features, as Spark hashes (custom).

dask-ml's HashingVectorizer is scikit-learn's per block: MurmurHash3 with seed 0, alternating signs and L2
normalisation, over its own tokenizer, so it cannot give Spark's buckets. A `map_partitions` over each
partition's token lists: every distinct token hashed once with prepbench's vectorised MurmurHash3
(src/engines/numpy/murmur3.py, seed 42), read as a signed 32-bit integer, floored modulo (np.mod) so the bucket is
non-negative as Spark's; each (row, bucket) pair counted once with np.unique, which also sorts each row's buckets;
the rows written in prepbench's sparse vector layout. A null token list (a null document) has no tokens: an
all-zero row, like an empty document.
"""

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow.compute as pc

from src.bench.data.vectors import vector_array
from src.engines.numpy.murmur3 import murmur3_32

from ..columns import VECTORS, arrow, meta, series

IMPLEMENTATION = "custom"
SEED = 42


def term_frequencies(part: pd.Series, num_features: int, binary: bool) -> pd.Series:
    docs = arrow(part)
    encoded = pc.dictionary_encode(pc.list_flatten(docs))
    buckets = np.mod(murmur3_32(encoded.dictionary, SEED).view(np.int32).astype(np.int64), num_features)
    rows = np.repeat(np.arange(len(docs)), pc.list_value_length(docs).fill_null(0).to_numpy())
    pairs, counts = np.unique(rows * num_features + buckets[encoded.indices.to_numpy()], return_counts=True)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(pairs // num_features, minlength=len(docs)))])
    values = np.ones(len(pairs)) if binary else counts.astype(np.float64)
    return series(vector_array(offsets, pairs % num_features, values, num_features), part)


def transform(data: dd.DataFrame, state, step) -> dd.DataFrame:
    n, binary = step.params["num_features"], step.params["binary"]
    return data.assign(**{
        name: data[col].map_partitions(term_frequencies, n, binary, meta=meta(col, VECTORS))
        for name, col in zip(step.output_cols, step.input_cols)
    })
