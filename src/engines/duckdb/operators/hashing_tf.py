"""HashingTF: Spark's hashing by a vectorised Python function over the numpy engine's MurmurHash3, bucketed and
counted in SQL (custom: DuckDB has no ML preprocessing library, and its `hash` is not MurmurHash3).

A Python function (Arrow in, Arrow out, once per chunk of rows) hashes each distinct token of the chunk with
src/engines/numpy/murmur3.py, murmur3_x86_32 of the UTF-8 bytes with seed 42, and returns each row's hashes as
signed 32-bit integers (Spark's Int). SQL takes the floored (non-negative) remainder modulo num_features, and
counts the buckets with `list_aggregate(buckets, 'histogram')`, a map sorted by bucket, whose keys and counts (or 1
for every occupied bucket, with `binary`) are the sparse vector. A null token list (a null document) and an empty
one have no histogram (null): an empty row.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from src.bench.spec.plan import Step
from src.engines.numpy.murmur3 import murmur3_32

from ..query import Query, sparse

IMPLEMENTATION = "custom"
SEED = 42


def murmur3_x86_32(tokens: pa.ChunkedArray) -> pa.Array:
    tokens = tokens.combine_chunks() if isinstance(tokens, pa.ChunkedArray) else tokens
    encoded = pc.dictionary_encode(pc.list_flatten(tokens))  # hash each distinct token once
    hashes = murmur3_32(encoded.dictionary, SEED).view(np.int32)[encoded.indices.to_numpy()]
    lengths = pc.list_value_length(tokens).fill_null(0).to_numpy()
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(hashes))


def transform(data: Query, state: None, step: Step) -> Query:
    n, binary = step.params["num_features"], step.params["binary"]
    hashing = data.session.function(murmur3_x86_32, ["VARCHAR[]"], "INTEGER[]")
    counts = {f"_prepbench_counts_{name}": name for name in step.output_cols}
    counted = data.with_columns({
        scratch: f"list_aggregate(list_transform({hashing}({data.col(c)}), "
                 f"lambda h: (h::BIGINT % {n} + {n}) % {n}), 'histogram')"
        for scratch, c in zip(counts, step.input_cols)
    })
    values = "list_transform(map_keys({}), lambda k: 1.0)" if binary else "map_values({})"
    return counted.with_columns(
        {name: sparse(n, f"coalesce(map_keys({counted.col(s)}), [])", f"coalesce({values.format(counted.col(s))}, [])")
         for s, name in counts.items()},
        {name: n for name in step.output_cols}, drop=tuple(counts))
