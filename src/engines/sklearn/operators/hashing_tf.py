"""HashingTF: Spark's hashing rebuilt with scikit-learn's MurmurHash3 (custom).

sklearn's HashingVectorizer hashes with seed 0, alternates signs and normalises, so it cannot give Spark's
buckets. Here each distinct token is hashed once with murmurhash3_32(token, seed=42) (signed, like Spark's
Int), a floored modulo (np.mod, like Python's %) makes the bucket non-negative, and the counts go into a CSR matrix.
A null token list (a null document) counts as an empty one: an all-zero row.
"""

import itertools

import numpy as np
import scipy.sparse as sp
from sklearn.utils import murmurhash3_32

IMPLEMENTATION = "custom"
SEED = 42


def term_frequencies(docs: list[list[str] | None], num_features: int, binary: bool) -> sp.csr_matrix:
    docs = [() if doc is None else doc for doc in docs]
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    codes: dict[str, int] = {}
    token_codes = np.fromiter(
        (codes.setdefault(t, len(codes)) for t in itertools.chain.from_iterable(docs)),
        dtype=np.int64,
        count=int(lengths.sum()),
    )
    hashes = np.fromiter((murmurhash3_32(t, seed=SEED) for t in codes), dtype=np.int64, count=len(codes))
    buckets = np.mod(hashes, num_features)[token_codes]
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    matrix = sp.csr_matrix((np.ones(len(buckets)), buckets, indptr), shape=(len(docs), num_features))
    matrix.sum_duplicates()  # collisions and repeated tokens add up
    if binary:
        matrix.data[:] = 1.0
    return matrix


def transform(frame, state, step):
    n, binary = step.params["num_features"], step.params["binary"]
    return frame.with_columns(
        {name: term_frequencies(frame[col], n, binary) for name, col in zip(step.output_cols, step.input_cols)}
    )
