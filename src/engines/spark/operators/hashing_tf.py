"""HashingTF: Spark's HashingTF — the canonical hashing is Spark's own (murmur3_x86_32, seed 42, mod numFeatures)."""

from pyspark.ml.feature import HashingTF

IMPLEMENTATION = "native"


def transform(df, state, step):
    for col, out in zip(step.input_cols, step.output_cols):
        df = HashingTF(inputCol=col, outputCol=out, numFeatures=step.params["num_features"],
                       binary=step.params["binary"]).transform(df)
    return df
