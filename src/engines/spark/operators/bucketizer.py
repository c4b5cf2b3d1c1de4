"""Bucketizer: Spark's Bucketizer(splitsArray, handleInvalid) over inputs with -0.0 made 0.0 and null made NaN
(native+adapter).

Spark's bucket rule is the canonical one ([s_i, s_i+1), the last bucket closed, a value outside the splits an
error), but it orders -0.0 below a 0.0 split, and it passes a null through as null where canonically a missing
value (null or NaN alike) goes to bucket k under handle_invalid keep. The adapter: each input is read as
`coalesce(x + 0.0, NaN)` in a scratch column (IEEE 754: -0.0 + 0.0 = 0.0); the splits get the same + 0.0.
"""

from pyspark.ml.feature import Bucketizer
from pyspark.sql import functions as F

from ..vectors import scratch

IMPLEMENTATION = "native+adapter"


def transform(df, state, step):
    splits = [list(step.params["splits"])] * len(step.input_cols)
    return bucketize(df, step.input_cols, step.output_cols, splits, step.params["handle_invalid"])


def adapted_inputs(df, inputs) -> tuple:
    """The inputs as `coalesce(x + 0.0, NaN)` in scratch columns: the frame and their names."""
    names = [scratch(c, "bucketed") for c in inputs]
    adapted = {tmp: F.coalesce(F.col(c) + 0.0, F.lit(float("nan"))) for tmp, c in zip(names, inputs)}
    return df.withColumns(adapted), names


def bucketize(df, inputs, outputs, splits: list[list[float]], handle_invalid: str):
    """Each input bucketed among its own splits (QuantileDiscretizer's fitted splits too)."""
    df, names = adapted_inputs(df, inputs)
    bucketizer = Bucketizer(splitsArray=[[s + 0.0 for s in each] for each in splits], inputCols=names,
                            outputCols=list(outputs), handleInvalid=handle_invalid)
    return bucketizer.transform(df).drop(*names)
