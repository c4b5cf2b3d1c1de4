"""MinMaxScaler: Spark's MinMaxScaler(min, max) on the assembled columns, with the constant-column fix.

Spark maps a constant column to the middle of the range, 0.5 * (min + max); the canonical operator maps it to
`min`, so those outputs are set to `min` from the fitted originalMin/originalMax.
"""

from pyspark.ml.feature import MinMaxScaler
from pyspark.sql import functions as F

from ..vectors import assemble, scratch, with_elements

IMPLEMENTATION = "native+adapter"


def fit(df, step):
    features = scratch(step.output_cols[0], "features")
    scaler = MinMaxScaler(inputCol=features, outputCol=scratch(step.output_cols[0], "minmax"),
                          min=step.params["min"], max=step.params["max"])
    return scaler.fit(assemble(df, step.input_cols, features))


def transform(df, model, step):
    lo = step.params["min"]
    constant = [mn == mx for mn, mx in zip(model.originalMin.toArray(), model.originalMax.toArray())]
    scaled = model.transform(assemble(df, step.input_cols, model.getInputCol()))
    return with_elements(scaled, model.getOutputCol(), step.output_cols,
                         lambda i, array: F.lit(lo) if constant[i] else array[i],
                         drop=(model.getInputCol(),))
