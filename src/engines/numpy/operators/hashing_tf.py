"""HashingTF: term counts at murmur3_x86_32(utf8(token), seed 42) mod num_features, as Spark hashes.

A null token list (a null document) has length 0: an all-zero row, like an empty document.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from ..murmur3 import murmur3_32

IMPLEMENTATION = "native"
SEED = 42


def term_frequencies(tokens: pa.ListArray, num_features: int, binary: bool) -> sp.csr_matrix:
    encoded = pc.dictionary_encode(pc.list_flatten(tokens))  # hash each distinct token once
    buckets = np.mod(murmur3_32(encoded.dictionary, SEED).view(np.int32), num_features)
    cols = buckets[encoded.indices.to_numpy()]
    lengths = pc.list_value_length(tokens).fill_null(0).to_numpy()
    indptr = np.concatenate([[0], np.cumsum(lengths)])  # tokens are grouped by document: CSR rows directly
    matrix = sp.csr_matrix((np.ones(len(cols)), cols, indptr), shape=(len(tokens), num_features))
    matrix.sum_duplicates()  # per-row sort and merge of repeated terms
    if binary:
        matrix.data[:] = 1.0
    return matrix


def transform(frame, state, step):
    n, binary = step.params["num_features"], step.params["binary"]
    return frame.with_columns(
        {name: term_frequencies(frame[col], n, binary) for name, col in zip(step.output_cols, step.input_cols)}
    )
