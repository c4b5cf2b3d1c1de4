"""CountVectorizer: per-partition term counts and document frequencies merged in one compute, the vocabulary
chosen from them, then each partition's rows counted in `map_partitions` (custom).

dask-ml's CountVectorizer is scikit-learn's per block (its own analyzer, max_features ties by an unstable
argsort). Here each partition's distinct tokens with their counts and document frequencies (the reference's
`term_counts`, Arrow kernels) are computed in one go and merged in this process; the reference's
`select_vocabulary` keeps the canonical vocabulary; the transform writes each row's counts as a sparse vector
(src/engines/text.py, `term_count_vectors`); a null token list is an all-zero row.
"""

import dask
import dask.dataframe as dd
import pandas as pd
import pyarrow as pa

from src.engines.numpy.operators.count_vectorizer import select_vocabulary, term_counts
from src.engines.text import term_count_vectors

from ..columns import VECTORS, arrow, meta, series

IMPLEMENTATION = "custom"


def _partition_counts(part: pd.Series) -> tuple[int, pa.Table]:
    tokens = arrow(part)
    words, counts, dfs = term_counts(tokens)
    return len(tokens), pa.table({"token": words, "count": counts, "df": dfs})


def fit(data: dd.DataFrame, step) -> list[pa.Array]:
    parts = dask.compute([[dask.delayed(_partition_counts)(p) for p in data[c].to_delayed()]
                          for c in step.input_cols])[0]
    vocabularies = []
    for found in parts:
        merged = pa.concat_tables([t for _, t in found]).group_by("token").aggregate([("count", "sum"), ("df", "sum")])
        vocabularies.append(select_vocabulary(merged.column("token").combine_chunks(),
                                              merged.column("count_sum").to_numpy(), merged.column("df_sum").to_numpy(),
                                              sum(n for n, _ in found), step.params["vocab_size"],
                                              step.params["min_df"]))
    return vocabularies


def _counts(part: pd.Series, vocabulary: pa.Array) -> pd.Series:
    return series(term_count_vectors(arrow(part), vocabulary), part)


def transform(data: dd.DataFrame, state: list[pa.Array], step) -> dd.DataFrame:
    return data.assign(**{name: data[col].map_partitions(_counts, vocabulary, meta=meta(col, VECTORS))
                          for name, col, vocabulary in zip(step.output_cols, step.input_cols, state)})
