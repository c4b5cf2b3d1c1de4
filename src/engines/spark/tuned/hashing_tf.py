"""HashingTF, tuned: each token column hashed by an Arrow UDF over batches of that column, with numpy.

Spark's hash is the definition (MurmurHash3 of the UTF-8 bytes, seed 42) and no SQL function computes it: `hash()`
is the legacy variant, different on tokens whose length is not a multiple of 4. So the floor built from Spark's
primitives is Python over Arrow batches: each distinct token of a batch hashed once and the (row, bucket) pairs
counted with numpy (src/engines/tf_idf.py), against stock's Scala hashing of every token in the JVM, one row at a
time, with no Python worker. A null token list is an all-zero row, as the canonical rule has it.
"""

from src.engines.tf_idf import term_frequencies

from ..arrow_batches import map_to_vectors

IMPLEMENTATION = "custom"


def transform(df, state, step):
    n, binary = step.params["num_features"], step.params["binary"]
    return map_to_vectors(df, step.input_cols, step.output_cols, lambda tokens, _: term_frequencies(tokens, n, binary),
                          [None] * len(step.input_cols))
