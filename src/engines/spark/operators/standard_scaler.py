"""StandardScaler: Spark's StandardScaler(withMean, withStd) on the assembled columns, rescaled to population std.

Spark divides by the sample std (ddof=1); the canonical operator divides by the population std, so the output
is multiplied by sqrt(n / (n - 1)). A constant column already gives 0 in Spark. Fit is Spark's Summarizer pass
plus a row count (n); the rescaling and the unpacking into one column per input stay in the lazy transform.
"""

import math

from pyspark.ml.feature import StandardScaler

from ..vectors import assemble, scratch, with_elements

IMPLEMENTATION = "native+adapter"


def fit(df, step):
    features = scratch(step.output_cols[0], "features")
    scaler = StandardScaler(inputCol=features, outputCol=scratch(step.output_cols[0], "scaled"),
                            withMean=step.params["with_mean"], withStd=step.params["with_std"])
    model = scaler.fit(assemble(df, step.input_cols, features))
    n = df.count()
    to_population = math.sqrt(n / (n - 1)) if n > 1 and step.params["with_std"] else 1.0
    return model, to_population


def transform(df, state, step):
    model, to_population = state
    scaled = model.transform(assemble(df, step.input_cols, model.getInputCol()))
    return with_elements(scaled, model.getOutputCol(), step.output_cols, lambda i, array: array[i] * to_population,
                         drop=(model.getInputCol(),))
