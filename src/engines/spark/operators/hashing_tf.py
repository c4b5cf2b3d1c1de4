"""HashingTF: Spark's HashingTF — the canonical hashing is Spark's own (murmur3_x86_32, seed 42, mod numFeatures) —
reading null token lists as empty ones (native+adapter).

Spark's HashingTF throws on a null token list (the Tokenizer's output for a null document); canonically that row
is an empty document, an all-zero vector (which then counts in IDF's n). The adapter: HashingTF reads the tokens
coalesced with an empty array, in a scratch column dropped afterwards.
"""

from pyspark.ml.feature import HashingTF
from pyspark.sql import functions as F

from ..vectors import scratch

IMPLEMENTATION = "native+adapter"


def transform(df, state, step):
    for col, out in zip(step.input_cols, step.output_cols):
        present = scratch(col, "present")
        df = df.withColumn(present, F.coalesce(F.col(col), F.array().cast("array<string>")))
        df = HashingTF(inputCol=present, outputCol=out, numFeatures=step.params["num_features"],
                       binary=step.params["binary"]).transform(df).drop(present)
    return df
