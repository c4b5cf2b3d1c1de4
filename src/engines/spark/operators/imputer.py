"""Imputer: Spark's Imputer for mean, median and mode (native); DataFrame.na.fill for constant (custom).

relativeError=0 makes Spark's median exact, and Spark's quantile is the lower median, as canonical. Spark's
mode breaks ties towards the smallest value, as canonical. Spark's Imputer has no constant strategy, so that
one copies the inputs and fills their nulls with `DataFrame.na.fill` (the recipe of the semantics, section 4.6).
"""

from pyspark.ml.feature import Imputer
from pyspark.sql import functions as F

IMPLEMENTATION = "native"


def label(step) -> str:
    return "custom" if step.params["strategy"] == "constant" else IMPLEMENTATION


def fit(df, step):
    if step.params["strategy"] == "constant":
        return None
    imputer = Imputer(inputCols=list(step.input_cols), outputCols=list(step.output_cols),
                      strategy=step.params["strategy"], relativeError=0.0)
    return imputer.fit(df)


def transform(df, model, step):
    if model is not None:
        return model.transform(df)
    copies = df.withColumns({out: F.col(col) for out, col in zip(step.output_cols, step.input_cols)})
    return copies.na.fill(step.params["fill_value"], subset=list(step.output_cols))
