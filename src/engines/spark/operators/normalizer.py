"""Normalizer: Spark's Normalizer(p) over the input columns packed by VectorAssembler (native).

Spark's output is already the canonical one: one vector column, each row divided by its p-norm (p = inf: the
largest |x|), a zero row left as it is. VectorAssembler packs a row dense or sparse, whichever is smaller, and
Normalizer keeps that form; the engine collects both as CSR.
"""

from pyspark.ml.feature import Normalizer

from ..vectors import assemble, scratch

IMPLEMENTATION = "native"


def transform(df, state, step):
    features = scratch(step.output_cols[0], "features")
    normalizer = Normalizer(inputCol=features, outputCol=step.output_cols[0], p=step.params["p"])
    return normalizer.transform(assemble(df, step.input_cols, features)).drop(features)
