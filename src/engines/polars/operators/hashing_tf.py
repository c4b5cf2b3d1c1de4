"""HashingTF: term counts at murmur3_x86_32(utf8(token), seed 42) mod num_features, as Spark hashes (custom).

Polars has no HashingTF, and its own `hash` is not MurmurHash3: inside `list.eval`, a `map_batches` hashes the
flattened tokens with prepbench's vectorised MurmurHash3 (src/engines/numpy/murmur3.py), each distinct token
once; Polars' `%` is a floored modulo, so the bucket is non-negative, as Spark's. Then Polars' list kernels
count, per row: the sorted buckets are a column of their own first (so they are computed once), their distinct
values are the indices and `unique_counts` the values (1 with `binary`). A null token list (a null document)
becomes an empty one: an all-zero row.
"""

import numpy as np
import polars as pl
import pyarrow.compute as pc

from src.engines.numpy.murmur3 import murmur3_32

from ..table import Table, vector

IMPLEMENTATION = "custom"
SEED = 42


def spark_hashes(tokens: pl.Series) -> pl.Series:
    """The signed murmur3_x86_32 (seed 42) of each token's UTF-8 bytes."""
    encoded = pc.dictionary_encode(tokens.to_arrow())
    hashes = murmur3_32(encoded.dictionary, SEED).view(np.int32)
    return pl.Series(tokens.name, hashes[encoded.indices.to_numpy()])


def sorted_buckets(tokens: pl.Expr, num_features: int) -> pl.Expr:
    hashed = pl.element().map_batches(spark_hashes, return_dtype=pl.Int32, is_elementwise=True)
    docs = tokens.fill_null(pl.lit([], dtype=pl.List(pl.String)))
    return docs.list.eval((hashed.cast(pl.Int64) % num_features).sort())


def term_frequencies(buckets: pl.Expr, num_features: int, binary: bool) -> pl.Expr:
    indices = buckets.list.unique(maintain_order=True)
    counts = pl.lit(1.0).repeat_by(indices.list.len()) if binary else buckets.list.eval(pl.element().unique_counts())
    return vector(num_features, indices, counts)


def transform(data: Table, state, step) -> Table:
    n, binary = step.params["num_features"], step.params["binary"]
    staged = {name: f"{name}.buckets" for name in step.output_cols}
    data = data.with_columns(
        {staged[name]: sorted_buckets(pl.col(col), n) for name, col in zip(step.output_cols, step.input_cols)}
    )
    data = data.with_columns({name: term_frequencies(pl.col(staged[name]), n, binary) for name in step.output_cols})
    return data.drop(list(staged.values()))
