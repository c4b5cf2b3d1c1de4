"""HashingTF: term counts at murmur3_x86_32(utf8(token), seed 42) mod num_features, as Spark hashes (custom).

dask-ml's HashingVectorizer is scikit-learn's per block: MurmurHash3 with seed 0, alternating signs and L2
normalisation, over its own tokenizer, so it cannot give Spark's buckets. A `map_partitions` over each
partition's token lists runs src/engines/tf_idf.py's `term_frequencies`: every distinct token hashed once, each
(row, bucket) pair counted once with np.unique, which also sorts each row's buckets, the rows written in
prepbench's sparse vector layout. A null token list (a null document) has no tokens: an
all-zero row, like an empty document.
"""

import dask.dataframe as dd
import pandas as pd

from src.engines.tf_idf import term_frequencies

from ..columns import VECTORS, arrow, meta, series

IMPLEMENTATION = "custom"


def counted(part: pd.Series, num_features: int, binary: bool) -> pd.Series:
    return series(term_frequencies(arrow(part), num_features, binary), part)


def transform(data: dd.DataFrame, state, step) -> dd.DataFrame:
    n, binary = step.params["num_features"], step.params["binary"]
    return data.assign(**{
        name: data[col].map_partitions(counted, n, binary, meta=meta(col, VECTORS))
        for name, col in zip(step.output_cols, step.input_cols)
    })
