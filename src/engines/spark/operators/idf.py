"""IDF: Spark's IDF(minDocFreq) — tf * ln((n + 1) / (df + 1)), and 0 for terms in fewer than minDocFreq documents.

n counts every row, the all-zero rows of empty and null documents included (HashingTF gives them), as the
definition does. native+adapter: Spark fits zero-width vectors (CountVectorizer's, of an empty vocabulary) but its
model's transform refuses them ("requirement failed"); their canonical output is the same zero-width vectors, so
the input column is passed through.
"""

from pyspark.ml.feature import IDF
from pyspark.sql import functions as F

IMPLEMENTATION = "native+adapter"


def fit(df, step):
    models = [IDF(inputCol=col, outputCol=out, minDocFreq=step.params["min_doc_freq"]).fit(df)
              for col, out in zip(step.input_cols, step.output_cols)]
    return [(model, model.idf.size) for model in models]


def transform(df, models, step):
    for col, out, (model, width) in zip(step.input_cols, step.output_cols, models):
        df = model.transform(df) if width else df.withColumn(out, F.col(col))
    return df
