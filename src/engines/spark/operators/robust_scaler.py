"""RobustScaler: Spark's RobustScaler(lower, upper, withCentering, withScaling, relativeError=0) on the assembled
columns (native).

With relativeError 0 Spark's quantile summaries are exact and return the order statistic x_(ceil(p*n)), the
canonical quantile; an IQR of 0 gets scale 0 in Spark, so the output is 0, as canonical. Spark's own default is
withCentering=False (x / IQR); prepbench's default centres, and the flag is passed through. The output vector is
unpacked into one column per input in the lazy transform.
"""

from pyspark.ml.feature import RobustScaler

from ..vectors import assemble, scratch, with_elements

IMPLEMENTATION = "native"


def fit(df, step):
    p = step.params
    features = scratch(step.output_cols[0], "features")
    scaler = RobustScaler(inputCol=features, outputCol=scratch(step.output_cols[0], "robust"), lower=p["lower"],
                          upper=p["upper"], withCentering=p["with_centering"], withScaling=p["with_scaling"],
                          relativeError=0.0)
    return scaler.fit(assemble(df, step.input_cols, features))


def transform(df, model, step):
    scaled = model.transform(assemble(df, step.input_cols, model.getInputCol()))
    return with_elements(scaled, model.getOutputCol(), step.output_cols, lambda i, array: array[i],
                         drop=(model.getInputCol(),))
