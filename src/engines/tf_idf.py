"""HashingTF and IDF on Arrow columns, for the engines that run them in Python over Arrow batches (Ray's and Dask's
modules, Spark's tuned ones through Arrow UDFs and `mapInArrow`): one piece of numpy per batch, whatever the
engine around it.

Vectors are in prepbench's sparse layout (src/bench/data/vectors.py). The hash is MurmurHash3 (x86, 32-bit) of
each distinct token's UTF-8 bytes, seed 42, vectorised over the batch's dictionary (src/engines/numpy/murmur3.py),
read as signed like Spark's and floored modulo so the bucket is non-negative as Spark's. Not scikit-learn's
`murmurhash3_32`: importing scikit-learn takes a fresh Python process 1.2 s, and Spark starts Python workers for
its Arrow batches. Measured on 125,000-document blocks (2,000 distinct tokens): hashing is about 1% of the batch's
time; flattening, dictionary encoding and counting (row, bucket) pairs are the rest.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from src.bench.data.vectors import vector_array, vector_parts
from src.engines.numpy.murmur3 import murmur3_32

SEED = 42


def term_frequencies(tokens: pa.Array | pa.ChunkedArray, num_features: int, binary: bool) -> pa.StructArray:
    """Each row's term counts (1 for every term present when `binary`); a null token list is an all-zero row."""
    if isinstance(tokens, pa.ChunkedArray):
        tokens = tokens.combine_chunks() if tokens.num_chunks else pa.array([], pa.list_(pa.string()))
    words = pc.dictionary_encode(pc.list_flatten(tokens))
    buckets = np.mod(murmur3_32(words.dictionary, SEED).view(np.int32).astype(np.int64), num_features)
    rows = pc.list_parent_indices(tokens).to_numpy().astype(np.int64)
    keys, counts = np.unique(rows * num_features + buckets[words.indices.to_numpy()], return_counts=True)
    offsets = np.searchsorted(keys // num_features, np.arange(len(tokens) + 1))
    values = np.ones(len(keys)) if binary else counts.astype(np.float64)
    return vector_array(offsets, keys % num_features, values, num_features)


def document_frequencies(vectors: pa.Array | pa.ChunkedArray) -> tuple[int, np.ndarray]:
    """(rows, per index the number of rows with a non-zero entry there); a row holds each index once."""
    offsets, indices, values, size = vector_parts(vectors)
    return len(offsets) - 1, np.bincount(indices[values != 0], minlength=size)


def add_frequencies(a: tuple[int, np.ndarray], b: tuple[int, np.ndarray]) -> tuple[int, np.ndarray]:
    """Two partial `document_frequencies` summed; an empty part does not know the width, so the shorter is padded."""
    width = max(len(a[1]), len(b[1]))
    return a[0] + b[0], np.pad(a[1], (0, width - len(a[1]))) + np.pad(b[1], (0, width - len(b[1])))


def idf_weights(rows: int, df: np.ndarray, min_doc_freq: int) -> np.ndarray:
    """ln((n + 1) / (df + 1)) per index, 0 where fewer than `min_doc_freq` rows have the term."""
    idf = np.log((rows + 1.0) / (df + 1.0))
    idf[df < min_doc_freq] = 0.0
    return idf


def weigh(tf: pa.Array | pa.ChunkedArray, idf: np.ndarray) -> pa.StructArray:
    """Each row's values times the idf of their indices; a term absent from a row stays absent."""
    offsets, indices, values, size = vector_parts(tf)
    return vector_array(offsets, indices, values * idf[indices], size)
