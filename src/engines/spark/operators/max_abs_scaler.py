"""MaxAbsScaler: Spark's MaxAbsScaler on the assembled columns, one column per input again (native).

Spark's definition is the canonical one: x / max|x|, and an all-zero column (max|x| = 0) is scaled by 1, so it
stays 0. Spark multiplies by 1 / max|x| rather than dividing: the two differ by at most an ulp.
"""

from pyspark.ml.feature import MaxAbsScaler

from ..vectors import assemble, scratch, with_elements

IMPLEMENTATION = "native"


def fit(df, step):
    features = scratch(step.output_cols[0], "features")
    scaler = MaxAbsScaler(inputCol=features, outputCol=scratch(step.output_cols[0], "maxabs"))
    return scaler.fit(assemble(df, step.input_cols, features))


def transform(df, model, step):
    scaled = model.transform(assemble(df, step.input_cols, model.getInputCol()))
    return with_elements(scaled, model.getOutputCol(), step.output_cols, lambda i, array: array[i],
                         drop=(model.getInputCol(),))
