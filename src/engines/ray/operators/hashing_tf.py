"""HashingTF: term counts at murmur3_x86_32(utf8(token), seed 42) mod num_features, as Spark hashes (custom).

Ray's HashingVectorizer hashes with SHA-256 and emits a dense num_features-long list per row, so this is built
from primitives: an Arrow map_batches over whole blocks running src/engines/tf_idf.py's `term_frequencies`
(each distinct token of the block hashed once, (row, bucket) pairs counted with numpy into a sparse vector per
row). A null token list (a null document) has no tokens to flatten: an all-zero row.
"""

from src.engines.tf_idf import term_frequencies

from ..vectors import map_columns

IMPLEMENTATION = "custom"


def transform(ds, state, step):
    n, binary = step.params["num_features"], step.params["binary"]
    return map_columns(ds, step.input_cols, step.output_cols, lambda tokens, _: term_frequencies(tokens, n, binary),
                       [None] * len(step.input_cols))
