"""QuantileDiscretizer: Spark's QuantileDiscretizer(numBuckets, relativeError=0) fitted on Bucketizer's adapted
inputs, its splits then applied by Bucketizer's adapter (native+adapter).

With relativeError 0 Spark's splits are the canonical ones: -inf, the distinct exact quantiles x_(ceil(j/k * n)),
inf (a constant column gives -inf, c, inf, every row in bucket 1). Its fit ignores NaN. The adapter is
Bucketizer's: inputs read as `coalesce(x + 0.0, NaN)`, so -0.0 is 0.0 at fit and transform and a null is a
missing value that handle_invalid keep puts in bucket k (Spark would pass it through as null).
"""

from pyspark.ml.feature import QuantileDiscretizer

from .bucketizer import adapted_inputs, bucketize

IMPLEMENTATION = "native+adapter"


def fit(df, step):
    df, names = adapted_inputs(df, step.input_cols)
    discretizer = QuantileDiscretizer(numBuckets=step.params["num_buckets"], relativeError=0.0, inputCols=names,
                                      outputCols=list(step.output_cols), handleInvalid=step.params["handle_invalid"])
    return [list(s) for s in discretizer.fit(df).getSplitsArray()]


def transform(df, state, step):
    return bucketize(df, step.input_cols, step.output_cols, state, step.params["handle_invalid"])
