"""Spark's FeatureHasher over the columns of one batch, as a CSR matrix: the reference's kernel, which the engines
without a FeatureHasher of Spark's hashing run on each of their batches.

A string column c puts 1.0 at the bucket of `c=value` (each distinct value hashed once); a numeric column c puts
its value at the bucket of `c`, the same for every row. Missing values (null, and NaN in a numeric column) put
nothing. Buckets are murmur3_x86_32(UTF-8 bytes, seed 42) read as a signed 32-bit integer, non-negative modulo
num_features (Spark's HashingTF and FeatureHasher hashing); values in one bucket add up.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from .murmur3 import murmur3_32

SEED = 42


def buckets(keys: pa.Array, num_features: int) -> np.ndarray:
    return np.mod(murmur3_32(keys, SEED).view(np.int32).astype(np.int64), num_features)


def hashed_features(columns: Sequence[pa.Array | np.ndarray], names: Sequence[str], strings: Sequence[bool],
                    num_features: int, n_rows: int) -> sp.csr_matrix:
    """`columns[i]` is a string column (Arrow) when `strings[i]`, else numbers (float64, NaN for missing)."""
    rows, cols, values = [], [], []
    for column, name, is_string in zip(columns, names, strings):
        if is_string:
            encoded = pc.dictionary_encode(pa.array(column).cast(pa.string()))
            codes = encoded.indices.to_numpy(zero_copy_only=False)
            present = np.asarray(encoded.indices.is_valid())
            keys = pc.binary_join_element_wise(f"{name}=", encoded.dictionary, "")
            row = np.flatnonzero(present)
            rows.append(row)
            cols.append(buckets(keys, num_features)[codes[present].astype(np.int64)])
            values.append(np.ones(len(row)))
        else:
            x = np.asarray(column, dtype=np.float64)
            row = np.flatnonzero(~np.isnan(x))
            rows.append(row)
            cols.append(np.full(len(row), buckets(pa.array([name]), num_features)[0]))
            values.append(x[row])
    matrix = sp.csr_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(n_rows, num_features))
    matrix.sum_duplicates()
    return matrix
