"""StringIndexer: Spark's StringIndexer(alphabetAsc, handleInvalid="keep"), with index == numLabels -> null.

alphabetAsc sorts the labels as Java strings (UTF-16), which is code-point order for the BMP. "keep" gives
unseen and null values the extra index numLabels; the canonical index of those is null.
"""

from pyspark.ml.feature import StringIndexer
from pyspark.sql import functions as F

from ..vectors import scratch

IMPLEMENTATION = "native+adapter"


def fit(df, step):
    indexer = StringIndexer(inputCols=list(step.input_cols), outputCols=[scratch(c, "index") for c in step.output_cols],
                            stringOrderType="alphabetAsc", handleInvalid="keep")
    return indexer.fit(df)


def transform(df, model, step):
    raw = model.getOutputCols()
    indexed = model.transform(df)
    unknown = {out: F.nullif(F.col(r), F.lit(float(len(labels))))
               for out, r, labels in zip(step.output_cols, raw, model.labelsArray)}
    return indexed.withColumns(unknown).drop(*raw)
