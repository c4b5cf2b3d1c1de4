"""CountVectorizer: one Ray aggregate of term counts and document frequencies, the vocabulary chosen from them,
then the counts of each row in an Arrow map_batches (custom).

Ray's CountVectorizer writes one dense column per vocabulary token, breaks ties at the max_features cut-off by
first encounter (which depends on the block layout), and has no min_df. Here each block's distinct tokens with
their counts and document frequencies (the reference's `term_counts`, Arrow kernels) are merged by one
`Dataset.aggregate` (aggregates.py, `TermCounts`, which also counts the rows for a fractional min_df), the
reference's `select_vocabulary` keeps the canonical vocabulary, and `map_batches` writes each row's counts as a
sparse vector (src/engines/text.py, `term_count_vectors`); a null token list is an all-zero row.
"""

from src.engines.numpy.operators.count_vectorizer import select_vocabulary
from src.engines.text import term_count_vectors

from ..aggregates import TermCounts
from ..vectors import map_columns

IMPLEMENTATION = "custom"


def fit(ds, step):
    aggregates = [TermCounts(c) for c in step.input_cols]
    stats = ds.aggregate(*aggregates)
    vocabularies = []
    for a in aggregates:
        n, table = stats[a.name]
        vocabularies.append(select_vocabulary(table.column("token").combine_chunks(), table.column("count").to_numpy(),
                                              table.column("df").to_numpy(), n, step.params["vocab_size"],
                                              step.params["min_df"]))
    return vocabularies


def transform(ds, state, step):
    return map_columns(ds, step.input_cols, step.output_cols, term_count_vectors, state)
