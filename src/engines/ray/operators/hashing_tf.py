"""HashingTF: term counts at murmur3_x86_32(utf8(token), seed 42) mod num_features, as Spark hashes (custom).

Ray's HashingVectorizer hashes with SHA-256 and emits a dense num_features-long list per row, so this is built
from primitives: an Arrow map_batches that hashes each distinct token of the block once with scikit-learn's
murmurhash3_32 (signed, like Spark's; Python's % then gives Spark's non-negative mod) and counts
(row, bucket) pairs with numpy into a sparse vector per row. A null token list (a null document) has no tokens
to flatten: an all-zero row.
"""

from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.utils import murmurhash3_32

from src.bench.data.vectors import vector_array

from ..vectors import map_columns

IMPLEMENTATION = "custom"
SEED = 42


def transform(ds, state, step):
    count = partial(_term_frequencies, num_features=step.params["num_features"], binary=step.params["binary"])
    return map_columns(ds, step.input_cols, step.output_cols, count, [None] * len(step.input_cols))


def _term_frequencies(tokens: pa.ChunkedArray, _state, num_features: int, binary: bool) -> pa.StructArray:
    tokens = tokens.combine_chunks()
    words = pc.dictionary_encode(pc.list_flatten(tokens))
    vocabulary = words.dictionary.to_pylist()
    buckets = np.fromiter((murmurhash3_32(w, seed=SEED) % num_features for w in vocabulary), np.int64, len(vocabulary))
    rows = pc.list_parent_indices(tokens).to_numpy().astype(np.int64)
    keys = rows * num_features + buckets[words.indices.to_numpy()]
    keys, counts = np.unique(keys, return_counts=True)
    offsets = np.searchsorted(keys // num_features, np.arange(len(tokens) + 1))
    values = np.ones(len(keys)) if binary else counts.astype(np.float64)
    return vector_array(offsets, keys % num_features, values, num_features)
